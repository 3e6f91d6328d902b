"""Tenants of a site: `mortar tenant add/list/migrate/suspend/resume/remove` (the logic lives
in mortar_api.tenancy's management commands, run in the site's api environment)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from mortar_infra import acme, dumps, nginx
from mortar_infra.config import UsageError
from mortar_infra.manifest import (
    Site,
    add_domains,
    all_sites,
    load_site,
    remove_domains,
    set_domain_schemas,
)
from mortar_infra.processenv import command_failed, manage, manage_process, require_venv, run_manage

log = logging.getLogger(__name__)
TENANTS_FAILED = 3  # migrate_tenants' exit code: some tenant schemas failed, the rest is done


def schema_for(domain: str) -> str:
    """A tenant schema name from its domain: `shop.acme.localhost` -> `shop_acme_localhost`."""
    name = re.sub(r"[^a-z0-9]+", "_", domain.lower()).strip("_")[:50]
    return name if name[:1].isalpha() else f"t_{name}"[:50]


def add_tenant(
    site_dir: Path,
    domain: str,
    admin_email: str | None,
    admin_password: str | None = None,
    name: str | None = None,
    empty: bool = False,
) -> list[str]:
    """Create a tenant (cloned schema) for `domain` and route it; returns the admin lines.

    It starts with the welcome content under `name` (default: the domain) unless `empty`.
    """
    site = load_site(site_dir)
    domain = domain.strip().lower()
    require_venv(site, site_dir)
    check_domain_free(site, domain)
    args = ["add_tenant", "--schema", schema_for(domain), "--domain", domain]
    args += ["--name", (name or "").strip() or domain]
    args += ["--admin-email", admin_email or f"admin@{domain}"]
    if empty:
        args.append("--empty")
    extra = {"MORTAR_ADMIN_PASSWORD": admin_password} if admin_password else None
    out = manage(site, *args, extra_env=extra)
    for line in out.splitlines():
        if not line.startswith("admin "):  # printed once, by the caller
            log.info(f"    {line}")
    route_domains(site, added=[domain], schema=schema_for(domain))
    return [ln for ln in out.splitlines() if ln.startswith("admin ")]


def check_domain_free(site: Site, domain: str) -> None:
    """A domain routed to another site cannot be given to one of this site's tenants."""
    for other in all_sites():
        if other.slug != site.slug and domain in other.all_domains:
            raise UsageError(f"domain {domain} already belongs to site {other.slug}")


def route_domains(
    site: Site, added: Sequence[str] = (), removed: Sequence[str] = (), schema: str | None = None
) -> Site:
    """Remember a tenant's added (served by `schema`) or removed domains and route the
    site's vhost anew."""
    if added:
        site = add_domains(site.slug, list(added), schema)
    if removed:
        site = remove_domains(site.slug, list(removed))
    if nginx.vhost_path(site.slug).exists():
        nginx.route(site)
        if added:
            acme.secure(site)  # the certificate now has to name the new domains too
    return site


def tenant_domains(site: Site) -> dict[str, str]:
    """Every domain in the site's database and the tenant schema it serves."""
    with dumps.admin_conn(site.db_name) as conn:
        rows = conn.execute(
            "SELECT d.domain, t.schema_name FROM public.tenancy_domain d"
            " JOIN public.tenancy_tenant t ON t.id = d.tenant_id ORDER BY d.id"
        ).fetchall()
    return dict(rows)


def remember_domain_schemas(site: Site) -> Site:
    """Refresh which schema each routed domain serves from the site's database (states
    written before Mortar remembered them, domains moved between tenants in the admin)."""
    return set_domain_schemas(site.slug, tenant_domains(site))


def _site(site_dir: Path) -> Site:
    site = load_site(site_dir)
    require_venv(site, site_dir)
    return site


def list_tenants(site_dir: Path) -> list[dict]:
    """Every tenant of the site: schema, name, domains, state, migration, behind,
    migration_error, size_bytes (the api's `list_tenants --json`, a few queries)."""
    return json.loads(manage(_site(site_dir), "list_tenants", "--json"))


def migrate_tenants(site_dir: Path, only: list[str], failed: bool, processes: int | None) -> int:
    """Migrate the site's tenants that are behind (output streamed); the command's exit code."""
    args = ["migrate_tenants"]
    if only:
        args += ["--only", *only]
    if failed:
        args.append("--failed")
    if processes:
        args += ["--processes", str(processes)]
    _site(site_dir)
    code = run_manage(site_dir, args)
    return 1 if code == TENANTS_FAILED else code  # the CLI's codes: 1 = runtime failure


def set_tenant_state(site_dir: Path, schema: str, action: str) -> str:
    """`suspend` or `resume` a tenant; returns the command's report lines."""
    return manage(_site(site_dir), "tenant_state", schema, action).strip()


def remove_tenant(site_dir: Path, schema: str) -> list[str]:
    """Drop a tenant (schema, domains, media, cache keys, beat entries) and stop routing its
    domains; returns the domains it had."""
    site = _site(site_dir)
    rows = {r["schema"]: r for r in list_tenants(site_dir)}
    if schema not in rows:
        raise UsageError(f"{site.slug} has no tenant {schema!r}")
    domains = rows[schema]["domains"]
    manage(site, "remove_tenant", "--schema", schema, "--yes")
    route_domains(site, removed=domains)
    return domains


def migrate_for_up(site: Site, site_dir: Path) -> list[str]:
    """`site up`'s migrate step. Tenants that fail to migrate do not stop the site (they
    answer 503 maintenance, the others serve): their lines come back as warnings. Anything
    else failing (the public schema, the database) is a `MortarError`."""
    args = ("migrate_tenants", "--verbosity", "0")
    proc = manage_process(site, *args)
    if proc.returncode == 0:
        return []
    if proc.returncode != TENANTS_FAILED:
        raise command_failed(site, args, proc)
    lines = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]
    return [
        *[ln for ln in lines if ln.startswith(("tenant migrations:", "failed "))],
        "these tenants answer 503 (maintenance); the others serve. Fix the cause, then "
        f"`mortar tenant migrate {site_dir} --failed`",
    ]
