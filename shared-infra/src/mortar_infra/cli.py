"""The `mortar` command line: shared stack, sites and tenants.

The groups live here; their commands live in `mortar_infra.commands.*`, one
module per concern, each attaching its commands to these groups on import.
"""

import click

from mortar_infra import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mortar")
def cli() -> None:
    """Mortar: run many CMS sites on one shared nginx/PostgreSQL/Redis stack."""


@cli.group()
def infra() -> None:
    """The native shared stack: nginx, PostgreSQL, Redis."""


@cli.group()
def site() -> None:
    """Sites: provision, register with nginx, run."""


@cli.group()
def tenant() -> None:
    """Tenants of a site."""


def _load_commands() -> None:
    # Imported for their side effect of registering commands on the groups above.
    from mortar_infra.commands import infra_cmds, run_cmds, site_cmds  # noqa: F401


def main() -> None:
    _load_commands()
    cli()
