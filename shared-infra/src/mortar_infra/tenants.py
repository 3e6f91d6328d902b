"""Tenants of a site: `mortar tenant add` (a cloned schema, its admin, its routing)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from mortar_infra import nginx
from mortar_infra.config import UsageError
from mortar_infra.manifest import add_domains, all_sites, load_site
from mortar_infra.processenv import manage, require_venv

log = logging.getLogger(__name__)


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
    for other in all_sites():
        if other.slug != site.slug and domain in other.all_domains:
            raise UsageError(f"domain {domain} already belongs to site {other.slug}")
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
    site = add_domains(site.slug, [domain])
    if nginx.vhost_path(site.slug).exists():
        nginx.route(site)
    return [ln for ln in out.splitlines() if ln.startswith("admin ")]
