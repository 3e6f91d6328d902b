"""Command: `mortar site shell` (the site's Django shell with its venv, `.env` and settings)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mortar_infra.cli import site
from mortar_infra.clitools import handle_errors
from mortar_infra.config import UsageError


def shell_args(site_dir: Path, schema: str | None, command: str | None) -> list[str]:
    """`manage.py` arguments of the shell: django-tenants' `tenant_command` runs it inside a
    tenant's schema (its models and data); without one it is on the public schema."""
    args = ["shell"]
    if schema is not None:
        from mortar_infra.tenants import list_tenants

        schemas = sorted(row["schema"] for row in list_tenants(site_dir))
        if schema not in schemas:
            known = ", ".join(schemas) or "none yet"
            raise UsageError(f"no tenant {schema!r} in {site_dir} (its tenants: {known})")
        args = ["tenant_command", "shell", f"--schema={schema}"]
    return [*args, *(["--command", command] if command is not None else [])]


@site.command()
@click.argument("site_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--schema", help="Run inside this tenant's schema (see `mortar tenant list`).")
@click.option("-c", "--command", help="Run this Python code instead of an interactive shell.")
def shell(site_dir: Path, schema: str | None, command: str | None) -> None:
    """The Django shell of the site's api (its venv, .env and settings).

    Examples: `mortar site shell .`, `mortar site shell . --schema acme_localhost`,
    `mortar site shell . -c "from django.conf import settings; print(settings.LANGUAGES)"`.
    The exit code is the shell's.
    """
    from mortar_infra.processenv import run_manage

    def run() -> int:
        return run_manage(site_dir, shell_args(site_dir, schema, command))

    sys.exit(handle_errors(run)())
