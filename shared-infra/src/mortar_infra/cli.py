"""The `mortar` command line: shared stack, sites and tenants.

The groups live here; their commands live in `mortar_infra.commands.*`, one
module per concern, each attaching its commands to these groups on import.
The top-level `--quiet`/`--verbose` set the one progress handler (`mortar_infra.progress`).
"""

import click

from mortar_infra import __version__, progress


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mortar")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors, no progress.")
@click.option("-v", "--verbose", is_flag=True, help="Also print details (on stderr).")
def cli(quiet: bool, verbose: bool) -> None:
    """Mortar: run many CMS sites on one shared nginx/PostgreSQL/Redis stack."""
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose exclude each other")
    progress.setup(progress.QUIET if quiet else progress.VERBOSE if verbose else progress.NORMAL)
    click.get_current_context().call_on_close(progress.teardown)


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
    from mortar_infra.commands import (  # noqa: F401
        infra_cmds,
        run_cmds,
        shell_cmds,
        site_cmds,
        tenant_cmds,
    )


def main() -> None:
    _load_commands()
    cli()
