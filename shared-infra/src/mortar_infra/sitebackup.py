"""`mortar site backup` and `mortar site restore`: a whole site in one archive.

Backup: the site's database (`pg_dump` custom format: every tenant schema and the public
one), its local media folder (or, for media in a bucket, the object list with checksums and,
with `with_media`, the objects), its manifest, the kit and base versions, and its `.env` only
when asked (then the archive is mode 600). See `archive` for the format.

Restore is all-or-nothing: the archive is checked first, the database is restored into a
new database that replaces the site's by rename in one transaction, the media folder is
extracted beside the site's and swapped in by rename; until both swaps are done the
previous database and folder are kept (and put back if a later step fails). A site that
runs is only replaced with `--force`: it is stopped first and started again after, also
when the restore failed (then on its previous data).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mortar_infra import __version__, dumps, nginx, procs, provision, siteenv, siteops, tenants
from mortar_infra.archive import ArchiveError, ArchiveWriter, extract, verify
from mortar_infra.config import MortarError, UsageError, mortar_home
from mortar_infra.manifest import (
    MANIFEST,
    Site,
    load_site,
    read_manifest,
    registered_site,
    save_site,
)
from mortar_infra.processenv import manage, media_root, media_storage

log = logging.getLogger(__name__)
DUMP = "database.dump"
ENV = "env"
OBJECTS = "media-objects.json"  # S3 sites: the bucket's objects (name, size, etag[, sha256])


@dataclass
class BackupResult:
    path: Path
    size: int
    media_files: int
    seconds: float


def default_out(slug: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return mortar_home() / "backups" / slug / f"{slug}-{stamp}.tar"


def versions(site: Site) -> dict[str, str]:
    """The versions a restore must match: the site's pin (= its base packages) and the kit."""
    return {
        "mortar_version": site.mortar_version,
        "kit_version": siteenv.kit_version(),
        "mortar_infra": __version__,
        "postgres": dumps.server_version(),
    }


def backup_site(
    site_dir: Path, out: Path | None = None, with_secrets: bool = False, with_media: bool = False
) -> BackupResult:
    site = load_site(site_dir)
    started = time.monotonic()
    if not dumps.database_exists(site.db_name):
        raise MortarError(f"nothing to back up: database {site.db_name} does not exist")
    out = Path(out) if out else default_out(site.slug)
    storage = media_storage(site)
    meta = {
        "kind": "site",
        "slug": site.slug,
        "name": site.name,
        "domains": site.all_domains,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "secrets": with_secrets,
        "media_storage": storage,
        # a bucket's objects are listed (OBJECTS) always, copied into media/ on request
        "media_in_archive": storage == "local" or with_media,
        **versions(site),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as work:
        dump = Path(work) / DUMP
        log.info(f"==> pg_dump {site.db_name}")
        dumps.dump(site.db_name, dump)
        log.info(f"    {dump.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.1f}s")
        with ArchiveWriter(out, meta, private=with_secrets) as writer:
            writer.add_file(MANIFEST, Path(site.site_dir) / MANIFEST)
            writer.add_file(DUMP, dump)
            if with_secrets:
                writer.add_file(ENV, site.env_path)
            files = 0
            root = media_root(site)
            if storage == "local" and root.is_dir():
                log.info(f"==> media {root}")
                files, size = writer.add_tree("media", root)
                log.info(f"    {files} files, {size / 1e6:.1f} MB")
            elif storage == "s3":
                files = _add_bucket(site, writer, Path(work), with_media)
    size = out.stat().st_size
    log.info(f"==> {out} ({size / 1e6:.1f} MB)")
    return BackupResult(out, size, files, time.monotonic() - started)


def _add_bucket(site: Site, writer: ArchiveWriter, work: Path, with_media: bool) -> int:
    """The bucket's object list (name, size, ETag; with the objects also their sha256) as
    OBJECTS and, `with_media`, the objects under media/; the number of objects copied."""
    if with_media:
        log.info("==> media objects from the bucket")
        folder = work / "objects"
        listing = manage(site, "media_objects", "download", str(folder))
        files, size = writer.add_tree("media", folder) if folder.is_dir() else (0, 0)
        log.info(f"    {files} objects, {size / 1e6:.1f} MB")
    else:
        listing = manage(site, "media_objects", "list")
        files = 0
        log.warning("media in a bucket: listed, not copied (--with-media copies them)")
    writer.add_bytes(OBJECTS, listing.strip().splitlines()[-1].encode() + b"\n")
    return files


def _target(archive: Path, site_dir: Path, meta: dict) -> Site:
    """The site to restore into; its manifest from the archive when the folder has none."""
    site_dir = Path(site_dir)
    if not (site_dir / MANIFEST).is_file():
        if site_dir.exists() and any(site_dir.iterdir()) and not (site_dir / ".env").exists():
            raise UsageError(f"{site_dir} is neither a Mortar site nor empty")
        site_dir.mkdir(parents=True, exist_ok=True)
        extract(archive, {MANIFEST: site_dir / MANIFEST})
    m = read_manifest(site_dir)
    if m["slug"] != meta.get("slug"):
        raise ArchiveError(
            f"{archive} is a backup of site {meta.get('slug')!r}; {site_dir} is site {m['slug']!r}"
        )
    if m["mortar_version"] != meta.get("mortar_version"):
        raise ArchiveError(
            f"{archive} was made at mortar {meta.get('mortar_version')}; {site_dir} is at "
            f"{m['mortar_version']}: restore into a site at {meta.get('mortar_version')} "
            "(then upgrade it)"
        )
    return load_site(site_dir)


def _has_media(root: Path) -> bool:
    return root.is_dir() and any(root.iterdir())


def restore_site(archive: Path, site_dir: Path, force: bool = False) -> list[str]:
    """Restore `archive` into the site at `site_dir` (see the module doc); returns notes."""
    archive = Path(archive)
    log.info(f"==> checking {archive}")
    meta = verify(archive, "site")
    site = _target(archive, site_dir, meta)
    running = [role for role, pid in procs.status(site).items() if pid]
    root = media_root(site)
    if not force:
        if running:
            raise UsageError(
                f"{site.slug} is running ({', '.join(running)}): `mortar site down "
                f"{site.site_dir}` first, or --force to stop, replace and restart it"
            )
        if dumps.database_exists(site.db_name) and dumps.has_tables(site.db_name):
            raise UsageError(f"{site.slug} has data (database {site.db_name}): --force replaces it")
        if _has_media(root):
            raise UsageError(f"{site.slug} has media files ({root}): --force replaces them")
    notes = _restore_env(archive, site, meta)
    if running:
        log.info(f"==> stopping {site.slug}")
        siteops.down(Path(site.site_dir))
    try:
        _restore_data(archive, site, root, bucket=meta.get("media_storage") == "s3")
        _route_restored_domains(site)
    finally:
        if running:
            log.info(f"==> starting {site.slug} again")
            siteops.up(Path(site.site_dir))
    return notes


def _route_restored_domains(site: Site) -> None:
    """Serve exactly the restored tenants' domains: the ones Mortar remembered for tenants
    added after the backup are dropped, those of tenants only the backup had are added."""
    schemas = tenants.tenant_domains(site)
    site = registered_site(site.slug)
    site.extra_domains = [d for d in schemas if d not in site.domains]
    site.domain_schemas = schemas
    save_site(site)
    if nginx.vhost_path(site.slug).exists():
        nginx.route(site)


def _restore_env(archive: Path, site: Site, meta: dict) -> list[str]:
    if site.env_path.exists():
        return (
            [f"kept {site.env_path} (the archive's secrets are not applied over it)"]
            if meta["secrets"]
            else []
        )
    if not meta["secrets"]:
        raise UsageError(
            f"{site.env_path} is missing and the backup has no secrets: copy the site's .env "
            "there first, or restore a backup made with --with-secrets"
        )
    extract(archive, {ENV: site.env_path})
    os.chmod(site.env_path, 0o600)
    return [f"wrote {site.env_path} from the archive"]


def _restore_data(archive: Path, site: Site, root: Path, bucket: bool = False) -> None:
    """With `bucket`, the archive's media/ are objects: put back into the bucket before the
    database swap (names carry random parts: this adds or rewrites the same objects, so a
    failed restore leaves at most extra objects)."""
    provision.provision(site)  # role, (empty) database and Redis user, as `site provision`
    new_db = f"{site.db_name}__restore_{secrets.token_hex(3)}"
    root.parent.mkdir(parents=True, exist_ok=True)
    staged = root.parent / f".{root.name}.restore-{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".mortar-restore-") as work:
        try:
            log.info(f"==> extracting {archive}")
            staged.mkdir()
            objects = Path(work) / "objects"
            media_to = objects if bucket else staged
            files = extract(archive, {DUMP: Path(work) / DUMP, "media/": media_to})
            log.info(f"    {files} files")
            if bucket and objects.is_dir():
                log.info("==> media objects back into the bucket")
                manage(site, "media_objects", "upload", str(objects))
            log.info(f"==> pg_restore into {new_db}")
            started = time.monotonic()
            dumps.create_database(new_db, site.db_role)
            dumps.restore(Path(work) / DUMP, new_db, site.db_role, jobs=2)
            log.info(f"    {time.monotonic() - started:.1f}s")
        except BaseException:
            dumps.drop_database(new_db)
            shutil.rmtree(staged, ignore_errors=True)
            raise
    try:
        old_db = dumps.swap_databases(site.db_name, new_db)
    except BaseException:
        dumps.drop_database(new_db)
        shutil.rmtree(staged, ignore_errors=True)
        raise
    old_media = root.parent / f".{root.name}.old-{secrets.token_hex(3)}"
    try:
        if root.exists():
            root.rename(old_media)
        staged.rename(root)
    except BaseException:
        if old_media.exists() and not root.exists():
            old_media.rename(root)
        if old_db:
            dumps.undo_swap(site.db_name, old_db)
        shutil.rmtree(staged, ignore_errors=True)
        raise
    log.info(f"==> {site.db_name} and {root} replaced")
    if old_db:
        dumps.drop_database(old_db)
    shutil.rmtree(old_media, ignore_errors=True)
    log.info(f"    {provision.drop_caches(site)} cache keys dropped")
