"""`mortar tenant backup` and `mortar tenant restore`: one tenant's schema and media.

Backup: `pg_dump --schema <schema>` of the site's database, the files under
`MEDIA_ROOT/<schema>/`, and the tenant's rows in the public schema (name, state, domains,
beat entries routed to it: the api's `export_tenant`).

Restore, into the same site or another at the same version, under the tenant's own schema
name or a new one (`--as`), never touching the other tenants: the schema goes into the
site's database in one transaction (renamed first in a scratch database when `--as`
changes it), the media folder is extracted beside the target and moved in, then the api's
`import_tenant` makes the Tenant/Domain rows and beat entries (rewriting stored file names
and `/media/<old>/` links to the new name, dropping cached pages of its hosts); last, its
domains are routed like `mortar tenant add` does. If a step fails, what the earlier steps
made is removed again. An existing schema, media folder or domain is never overwritten.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mortar_infra import __version__, dumps, siteenv
from mortar_infra.archive import ArchiveError, ArchiveWriter, extract, verify
from mortar_infra.config import UsageError, mortar_home
from mortar_infra.manifest import Site, load_site
from mortar_infra.processenv import manage, media_root, media_storage, require_venv
from mortar_infra.tenants import check_domain_free, route_domains

log = logging.getLogger(__name__)
DUMP = "schema.dump"
ROWS = "tenant.json"
SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")  # the api's rule (tenancy.provisioning)


@dataclass
class TenantBackup:
    path: Path
    size: int
    media_files: int
    seconds: float


def backup_tenant(site_dir: Path, schema: str, out: Path | None = None) -> TenantBackup:
    site = load_site(site_dir)
    require_venv(site, site_dir)
    started = time.monotonic()
    rows = json.loads(manage(site, "export_tenant", "--schema", schema))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = Path(out) if out else mortar_home() / "backups" / site.slug / f"{schema}-{stamp}.tar"
    meta = {
        "kind": "tenant",
        "slug": site.slug,
        "schema": schema,
        "domains": [d["domain"] for d in rows["domains"]],
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "mortar_version": site.mortar_version,
        "kit_version": siteenv.kit_version(),
        "mortar_infra": __version__,
        "media_storage": media_storage(site),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as work:
        dump = Path(work) / DUMP
        log.info(f"==> pg_dump --schema {schema} {site.db_name}")
        dumps.dump(site.db_name, dump, schema=schema)
        with ArchiveWriter(out, meta) as writer:
            writer.add_bytes(ROWS, json.dumps(rows, indent=2, ensure_ascii=False).encode())
            writer.add_file(DUMP, dump)
            folder = media_root(site) / schema
            files = 0
            if folder.is_dir():
                log.info(f"==> media {folder}")
                files, size = writer.add_tree("media", folder)
                log.info(f"    {files} files, {size / 1e6:.1f} MB")
    size = out.stat().st_size
    log.info(f"==> {out} ({size / 1e6:.1f} MB)")
    return TenantBackup(out, size, files, time.monotonic() - started)


def restore_tenant(
    site_dir: Path, archive: Path, as_schema: str | None = None, domain: str | None = None
) -> tuple[str, list[str]]:
    """Restore a tenant archive into the site; returns (schema, domains)."""
    archive = Path(archive)
    log.info(f"==> checking {archive}")
    meta = verify(archive, "tenant")
    site = load_site(site_dir)
    require_venv(site, site_dir)
    if meta.get("mortar_version") != site.mortar_version:
        raise ArchiveError(
            f"{archive} was made at mortar {meta.get('mortar_version')}; site {site.slug} is "
            f"at {site.mortar_version}: restore into a site at the same version"
        )
    source = meta["schema"]
    schema = as_schema or source
    if not SCHEMA_RE.match(schema):
        raise UsageError(f"invalid schema name {schema!r}: 2-48 of a-z, 0-9, _ from a letter")
    if dumps.schema_exists(site.db_name, schema):
        raise UsageError(
            f"schema {schema} already exists in site {site.slug}: remove that tenant "
            "first, or restore under another name with --as NEW_SCHEMA --domain D"
        )
    folder = media_root(site) / schema
    if folder.exists():
        raise UsageError(f"media folder {folder} already exists: move it away first")
    domains = [domain.strip().lower()] if domain else list(meta.get("domains", []))
    for d in domains:
        check_domain_free(site, d)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staged = folder.parent / f".{schema}.restore-{secrets.token_hex(3)}"
    restored = False
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".mortar-restore-") as work:
        try:
            staged.mkdir()
            extract(archive, {DUMP: Path(work) / DUMP, ROWS: Path(work) / ROWS, "media/": staged})
            _restore_schema(site, Path(work), source, schema)
            restored = True
            staged.rename(folder)
            args = ["import_tenant", "--schema", schema, "--rows", str(Path(work) / ROWS)]
            out = manage(site, *args, *(["--domain", domain] if domain else []))
            log.info(f"    {out.strip()}")
        except BaseException:
            if restored:
                dumps.drop_schema(site.db_name, schema)
                shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(staged, ignore_errors=True)
            raise
    route_domains(site, added=domains, schema=schema)
    return schema, domains


def _restore_schema(site: Site, work: Path, source: str, schema: str) -> None:
    dump = work / DUMP
    started = time.monotonic()
    if schema != source:
        log.info(f"==> renaming {source} to {schema} in a scratch database")
        with dumps.scratch_database(site) as scratch:
            dumps.restore(dump, scratch, None)
            dumps.rename_schema(scratch, source, schema)
            dump = work / "renamed.dump"
            dumps.dump(scratch, dump, schema=schema)
    log.info(f"==> pg_restore {schema} into {site.db_name}")
    dumps.restore(dump, site.db_name, site.db_role)
    log.info(f"    {time.monotonic() - started:.1f}s")
