"""The `mortar` command line: shared stack, sites and tenants."""

import click

from mortar_infra import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mortar")
def cli() -> None:
    """Mortar: run many CMS sites on one shared nginx/PostgreSQL/Redis stack."""


def main() -> None:
    cli()
