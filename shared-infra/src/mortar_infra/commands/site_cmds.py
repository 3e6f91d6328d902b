"""Commands: `mortar site register/unregister/provision/deprovision/forget`."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from mortar_infra import nginx
from mortar_infra.cli import site
from mortar_infra.clitools import handle_errors
from mortar_infra.config import UsageError
from mortar_infra.envfile import update_env
from mortar_infra.manifest import load_site, registered_site

SITE_DIR = click.Path(path_type=Path)
log = logging.getLogger(__name__)


@site.command()
@click.argument("site_dir", type=SITE_DIR)
@handle_errors
def register(site_dir: Path) -> None:
    """Route the site's domains through the shared nginx.

    Writes the site's vhost (domains as server_name; /api/, /admin/, /static/,
    /media/ to its api, the rest to its web), checks the whole config with
    `nginx -t` and reloads nginx if it runs. If the check fails, the previous
    config is restored and the command exits 1 with nginx's message.
    """
    s = load_site(site_dir)
    log.info(
        f"==> registering {s.slug}: {' '.join(s.domains)} (api :{s.api_port}, web :{s.web_port})"
    )
    reloaded = nginx.register(s)
    log.info(
        f"==> {nginx.vhost_path(s.slug)} "
        + (
            "live (nginx reloaded)"
            if reloaded
            else "checked (nginx not running: `mortar infra up`)"
        )
    )


@site.command()
@click.argument("slug")
@handle_errors
def unregister(slug: str) -> None:
    """Stop routing a site: remove its vhost, check and reload nginx."""
    s = registered_site(slug)
    if not nginx.vhost_path(s.slug).exists():
        log.info(f"==> {slug} is not registered; nothing to do")
        return
    nginx.unregister(s.slug)
    log.info(f"==> {slug} unregistered; its domains now get the default server (connection closed)")


@site.command(name="provision")
@click.argument("site_dir", type=SITE_DIR)
@click.option("--db-host", help="Host written into DATABASE_URL (e.g. `postgres` under Compose).")
@click.option("--redis-host", help="Host written into REDIS_URL (e.g. `redis` under Compose).")
@click.option(
    "--files-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Compose: the shared stack's files folder (its MORTAR_FILES_DIR), written into the "
    "site's .env so its compose.yml publishes files and keeps media there.",
)
@handle_errors
def provision_cmd(
    site_dir: Path, db_host: str | None, redis_host: str | None, files_dir: Path | None
) -> None:
    """Create the site's database, login role and Redis ACL user; write them into its .env.

    Idempotent: passwords already in the site's .env (DATABASE_URL/REDIS_URL, or
    DB_PASSWORD/REDIS_PASSWORD from the template) are reused.
    """
    from mortar_infra import provision  # psycopg/redis only when needed: fast CLI start

    s = load_site(site_dir)
    if files_dir is not None and not files_dir.resolve().is_dir():
        raise UsageError(f"--files-dir {files_dir}: no such folder (the shared stack's files)")
    provision.provision(s, db_host=db_host, redis_host=redis_host)
    if files_dir is not None:
        update_env(s.env_path, {"MORTAR_FILES_DIR": str(files_dir.resolve())})
        log.info(f"==> {s.env_path}: MORTAR_FILES_DIR={files_dir.resolve()}")
    log.info(f"==> {s.slug} provisioned")


@site.command()
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--dump",
    type=click.Path(path_type=Path, dir_okay=False),
    help="pg_dump the database (custom format) to this file first.",
)
@handle_errors
def deprovision(slug: str, yes: bool, dump: Path | None) -> None:
    """Drop the site's database, role, Redis ACL user and every key under its prefix."""
    s = registered_site(slug)
    if not yes:
        click.confirm(
            f"Drop database {s.db_name}, role {s.db_role}, Redis user {s.redis_user} "
            f"and all keys {s.redis_prefix}:*?",
            abort=True,
        )
    from mortar_infra import provision

    provision.deprovision(s, dump=dump)
    log.info(
        f"==> {slug} deprovisioned (`mortar site forget {slug}` removes it from Mortar's list)"
    )


@site.command()
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def forget(slug: str, yes: bool) -> None:
    """Forget a site: its nginx routing and what Mortar remembers (ports, logs, pids).

    For a site whose folder was deleted or that another copy should take over. The
    site's folder, database and Redis user are kept (`deprovision` drops those first).
    The site must be stopped (`mortar site down <dir>`).
    """
    from mortar_infra import siteops

    s = registered_site(slug)
    if not yes:
        click.confirm(
            f"Forget site {slug} ({s.site_dir}): its routing, ports and logs? "
            "Its folder and database are kept.",
            abort=True,
        )
    siteops.forget(slug)


@site.command()
@click.argument("site_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The archive to write (default $MORTAR_HOME/backups/<slug>/<slug>-<UTC time>.tar).",
)
@click.option("--with-secrets", is_flag=True, help="Include the site's .env (archive mode 600).")
@click.option(
    "--with-media", is_flag=True, help="Media in a bucket: copy the objects too (else listed)."
)
@handle_errors
def backup(site_dir: Path, out: Path | None, with_secrets: bool, with_media: bool) -> None:
    """Back the site up into one archive: its database (every tenant), media, manifest.

    The database is a `pg_dump` (custom format), taken while the site runs; media are the
    local media folder's files; media in an S3 bucket are listed with their size and ETag
    (media-objects.json), and copied too with --with-media (restore puts them back). Each
    member has its sha256 in the archive's SHA256SUMS. The site's .env (secrets) only with
    --with-secrets.
    """
    from mortar_infra.sitebackup import backup_site

    res = backup_site(site_dir, out, with_secrets, with_media)
    click.echo(
        f"==> backup written: {res.path} ({res.size / 1e6:.1f} MB, {res.media_files} "
        f"media files, {res.seconds:.1f}s)"
    )


@site.command()
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("site_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Replace a site that has data or runs.")
@handle_errors
def restore(archive: Path, site_dir: Path, force: bool) -> None:
    """Restore a site backup into SITE_DIR: all or nothing.

    Into an empty site (a new machine, or after `deprovision`): its database and role are
    made as `mortar site provision` does. Over a site with data, or a running one, only
    with --force: it is stopped, replaced, and started again. The archive's checksums are
    verified first; a failure at any step leaves the previous database and media in place.
    """
    from mortar_infra.sitebackup import restore_site

    for note in restore_site(archive, site_dir, force):
        click.echo(f"    {note}")
    click.echo(f"==> restored {archive} into {site_dir}")


@site.command()
@click.argument("site_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--to", "to", required=True, help="The kit version to move to (X.Y.Z).")
@click.option("--dry-run", is_flag=True, help="Check and list what would change; change nothing.")
@click.option(
    "--no-template", is_flag=True, help="Leave the template files alone (no `cruft update`)."
)
@handle_errors
def upgrade(site_dir: Path, to: str, dry_run: bool, no_template: bool) -> None:
    """Move the site to kit version TO; if any step fails, it stays as it was.

    Template files (`cruft update`, when the site has a .cruft.json and is a clean git
    checkout), every version pin, the site venv (the previous one kept as .venv.previous),
    migrations of the public schema, the clone template and every tenant, a restart and a
    check through nginx. On a failure everything goes back - pins, files, venv, and the
    database from a copy taken just before migrating - the previous version serves again
    and the command exits 1 naming the step (and the tenant) that failed. Run it with the
    `mortar` of the kit at TO (or MORTAR_KIT_DIR pointing at that kit). See docs/upgrading.md.
    """
    from mortar_infra import siteupgrade

    if dry_run:
        p = siteupgrade.plan(site_dir, to, with_template=not no_template)
        click.echo(f"{p.site.slug}: mortar {p.old} -> {p.new} (dry run: nothing changed)")
        click.echo(f"template files: {p.template or 'unchanged (no .cruft.json)'}")
        click.echo("version pins:")
        for pin in p.pins:
            click.echo(f"  {pin.path}: {pin.before.strip()}  ->  {pin.after.strip()}")
        click.echo(f"site venv: rebuilt on base packages {p.new}; the current one kept as "
                   f"{siteupgrade.PREVIOUS_VENV}/")  # fmt: skip
        click.echo(
            f"database {p.site.db_name}: copied (the rollback point), then migrated: public "
            "schema, clone template, every tenant"
        )
        click.echo("then: restart, health check through nginx")
        return
    res = siteupgrade.upgrade(site_dir, to, with_template=not no_template)
    changed = len(res.template_files)
    click.echo(
        f"==> {res.plan.site.slug} upgraded: mortar {res.plan.old} -> {res.plan.new} "
        f"({len(res.plan.pins)} pins, {changed} template files; {res.migrated}) in "
        f"{res.seconds:.0f}s, down {res.downtime:.0f}s"
    )
    if changed or res.plan.pins:
        click.echo(f"    review and commit the changes in {site_dir} (git status)")


@site.command()
@click.argument("site_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@handle_errors
def lock(site_dir: Path) -> None:
    """Lock the site's own dependencies: api/ and web/requirements.lock.

    Resolves the dependencies in api/ and web/pyproject.toml beyond mortar-api/mortar-web,
    with hashes, against the versions the base ships; the images and the site venv install
    exactly these. Run it after changing those dependencies (or the base version) and commit
    the locks. No extra dependencies: no package index needed.
    """
    from mortar_infra import sitelock

    for role, names in sitelock.lock_site(load_site(site_dir)).items():
        click.echo(f"{role}/requirements.lock: {', '.join(names) or 'nothing beyond the base'}")
