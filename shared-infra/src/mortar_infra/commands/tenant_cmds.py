"""Commands: `mortar tenant list/migrate/suspend/resume/remove` (`tenant add`: run_cmds)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mortar_infra.cli import tenant
from mortar_infra.clitools import handle_errors

SITE_DIR = click.Path(path_type=Path, file_okay=False)


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


@tenant.command(name="list")
@click.argument("site_dir", type=SITE_DIR)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def list_cmd(site_dir: Path, as_json: bool) -> None:
    """Tenants of a site: schema, state, migrations, size, domains.

    State is active, maintenance (503: its schema is behind the code or its last migration
    failed) or suspended (503 by an operator). Migrations: up to date, behind N or failed.
    """
    from mortar_infra.tenants import list_tenants

    rows = list_tenants(site_dir)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no tenants (add one with `mortar tenant add`)")
        return
    width = max(len(r["schema"]) for r in [*rows, {"schema": "SCHEMA"}])
    click.echo(f"{'SCHEMA':<{width}}  {'STATE':<11}  {'MIGRATIONS':<10}  {'SIZE':>9}  DOMAINS")
    for r in rows:
        click.echo(
            f"{r['schema']:<{width}}  {r['state']:<11}  {r['migration']:<10}  "
            f"{_size(r['size_bytes']):>9}  {' '.join(r['domains'])}"
        )
        if r["migration_error"]:
            click.echo(f"{'':<{width}}  error: {r['migration_error']}")


@tenant.command(name="migrate")
@click.argument("site_dir", type=SITE_DIR)
@click.option("--only", multiple=True, metavar="SCHEMA", help="Only this tenant (repeatable).")
@click.option("--failed", is_flag=True, help="Only tenants a previous run left failed.")
@click.option(
    "--processes", type=click.IntRange(min=1), help="Parallel workers (default: CPU count)."
)
def migrate_cmd(site_dir: Path, only: tuple[str, ...], failed: bool, processes: int | None) -> None:
    """Migrate the tenants whose schema is behind the code, in parallel.

    Up-to-date schemas are skipped after a few queries; each behind schema is migrated on
    its own (a failure marks that tenant maintenance with its error and the others go on).
    Progress on stderr, a summary at the end; exit code 1 if a tenant failed. Re-running
    picks up only what is left. `mortar site up` runs the same for the whole site.
    """
    from mortar_infra.tenants import migrate_tenants

    sys.exit(handle_errors(migrate_tenants)(site_dir, list(only), failed, processes))


def _state(site_dir: Path, schema: str, action: str) -> None:
    from mortar_infra.tenants import set_tenant_state

    for line in set_tenant_state(site_dir, schema, action).splitlines():
        click.echo(line)


@tenant.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("schema")
@handle_errors
def suspend(site_dir: Path, schema: str) -> None:
    """Take a tenant offline: web and api answer 503, its data is kept and its periodic
    tasks are skipped until `mortar tenant resume`."""
    _state(site_dir, schema, "suspend")


@tenant.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("schema")
@handle_errors
def resume(site_dir: Path, schema: str) -> None:
    """Bring a suspended tenant back (it stays in maintenance while its schema is behind)."""
    _state(site_dir, schema, "resume")


@tenant.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("schema")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def remove(site_dir: Path, schema: str, yes: bool) -> None:
    """Remove a tenant and everything it had: its schema (all its content), domains and
    their routing, media folder, cache keys and beat entries."""
    from mortar_infra.tenants import remove_tenant

    if not yes:
        click.confirm(f"Drop tenant {schema} and all its content?", abort=True)
    domains = remove_tenant(site_dir, schema)
    click.echo(f"==> tenant {schema} removed ({' '.join(domains) or 'no domains'})")


@tenant.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("schema")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The archive to write (default $MORTAR_HOME/backups/<slug>/<schema>-<UTC time>.tar).",
)
@handle_errors
def backup(site_dir: Path, schema: str, out: Path | None) -> None:
    """Back one tenant up: its schema (`pg_dump --schema`), its media folder, its name,
    state, domains and the beat entries routed to it. The other tenants are not read."""
    from mortar_infra.tenantbackup import backup_tenant

    res = backup_tenant(site_dir, schema, out)
    click.echo(
        f"==> backup written: {res.path} ({res.size / 1e6:.1f} MB, {res.media_files} "
        f"media files, {res.seconds:.1f}s)"
    )


@tenant.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--as", "as_schema", metavar="NEW_SCHEMA", help="Restore under this schema name.")
@click.option("--domain", help="Serve it on this domain instead of the archive's domains.")
@handle_errors
def restore(site_dir: Path, archive: Path, as_schema: str | None, domain: str | None) -> None:
    """Restore a tenant backup into a site at the same version, beside its other tenants.

    Under its own schema name, or a new one with --as (stored file names and media links
    follow the new name); give --domain when the archive's domains are taken (e.g. a copy
    beside the original). An existing schema or domain is never overwritten. Its domains
    are routed through nginx like `mortar tenant add` does; cached pages are dropped.
    """
    from mortar_infra.manifest import load_site
    from mortar_infra.tenantbackup import restore_tenant
    from mortar_infra.urls import site_url

    schema, domains = restore_tenant(site_dir, archive, as_schema, domain)
    slug = load_site(site_dir).slug
    click.echo(f"==> tenant {schema} restored: {' '.join(site_url(d, slug) for d in domains)}")
