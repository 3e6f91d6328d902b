"""Commands: `mortar site up/down/restart/logs/manage/status`, `tenant add`, `demo`."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mortar_infra.cli import cli, site, tenant
from mortar_infra.clitools import handle_errors
from mortar_infra.manifest import all_sites

if TYPE_CHECKING:
    from mortar_infra import siteops

SITE_DIR = click.Path(path_type=Path, file_okay=False)
log = logging.getLogger(__name__)


def _print_up(result: siteops.UpResult) -> None:
    s = result.site
    click.echo(f"==> {s.slug} is up")
    for url in result.urls:
        click.echo(f"    site   {url}")
    click.echo(f"    admin  {result.urls[0]}admin/")
    click.echo(f"    api    {result.urls[0]}api/v1/site/")
    for line in result.admin_lines:
        click.echo(f"    {line}")
    click.echo(f"    logs   {s.state_dir / 'logs'}")


@site.command()
@click.argument("site_dir", type=SITE_DIR)
@handle_errors
def up(site_dir: Path) -> None:
    """Install, provision, migrate and start a site natively; route it through nginx.

    Safe to re-run: every step is idempotent and running processes are kept. The
    first run creates the first tenant (for the manifest's domains) and prints its
    admin login once.
    """
    from mortar_infra import siteops

    _print_up(siteops.up(site_dir))


@site.command()
@click.argument("site_dir", type=SITE_DIR)
@handle_errors
def down(site_dir: Path) -> None:
    """Stop the site's processes and remove its nginx routing (data is kept)."""
    from mortar_infra import siteops

    siteops.down(site_dir)


@site.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("roles", nargs=-1)
@handle_errors
def restart(site_dir: Path, roles: tuple[str, ...]) -> None:
    """Restart the site's processes (all, or the ROLES given: api web worker beat).

    Graceful: api and web (gunicorn) get SIGHUP - new workers load the current code while
    the old ones finish their requests - or a full restart when the site's .env changed;
    the worker finishes its running tasks before it stops (warm shutdown). Use it after
    changing code, settings or .env (`mortar site up` says when processes are older).
    """
    from mortar_infra import siteops

    siteops.restart(site_dir, list(roles))


@site.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("site_dir", type=SITE_DIR)
@click.argument("args", nargs=-1, type=click.UNPROCESSED, required=True)
def manage(site_dir: Path, args: tuple[str, ...]) -> None:
    """Run a Django management command of the site's api (its venv, .env and settings).

    Examples: `mortar site manage . list_tenants`, `mortar site manage . makemigrations`,
    `mortar site manage . createsuperuser`. Output is streamed; the exit code is the command's.
    """
    from mortar_infra.processenv import run_manage

    sys.exit(handle_errors(run_manage)(site_dir, list(args)))


@site.command()
@click.argument("site_dir", type=SITE_DIR)
@click.argument("roles", nargs=-1)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines (Ctrl-C ends).")
@click.option("-n", "--lines", default=20, show_default=True, help="Lines from each log's end.")
@handle_errors
def logs(site_dir: Path, roles: tuple[str, ...], follow: bool, lines: int) -> None:
    """The last lines of the site's logs (all, or the ROLES given: api web worker beat).

    Logs live in the site's state dir (`logs/<role>.log`), rotated by supervisord at 10 MB
    with 5 old files kept; -f follows them across rotations.
    """
    from mortar_infra import procs
    from mortar_infra.manifest import load_site

    argv = procs.tail_command(load_site(site_dir), roles, lines, follow)
    os.execvp(argv[0], argv)  # noqa: S606 - tail takes over (-f runs until Ctrl-C)


@site.command(name="status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def status_cmd(as_json: bool) -> None:
    """Sites Mortar knows: processes, health of api and web. Exit 1 if one is degraded."""
    from mortar_infra import siteops

    rows = [siteops.site_status(s) for s in all_sites()]
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
    else:
        if not rows:
            click.echo("no sites (spawn one with cookiecutter, then `mortar site up <dir>`)")
        for r in rows:
            procs = " ".join(f"{k}:{v or '-'}" for k, v in r.processes.items())
            health = " ".join(f"{k}:{'ok' if v else 'DOWN'}" for k, v in r.health.items())
            click.echo(f"{r.state:<8} {r.slug:<20} {' '.join(r.domains)}")
            if not r.folder:
                click.echo(
                    f"         folder missing: `mortar site forget {r.slug}` drops the entry"
                )
            click.echo(f"         {procs}  health {health}  dir {r.site_dir}")
    if any(r.state == "degraded" for r in rows):
        sys.exit(1)


@tenant.command(name="add")
@click.argument("site_dir", type=SITE_DIR)
@click.option("--domain", required=True, help="The new tenant's host name.")
@click.option("--admin-email", help="Its first admin user (default admin@<domain>).")
@click.option("--name", help="Its site name (default: the domain).")
@click.option("--empty", is_flag=True, help="Start without the welcome page and menu.")
@handle_errors
def add(
    site_dir: Path, domain: str, admin_email: str | None, name: str | None, empty: bool
) -> None:
    """Add a tenant (a fast schema clone) with its own admin user, and route its domain.

    The tenant starts with its site name in every language, a published welcome home page
    and a header menu (unless --empty).
    """
    from mortar_infra.manifest import load_site
    from mortar_infra.tenants import add_tenant
    from mortar_infra.urls import site_url

    lines = add_tenant(site_dir, domain, admin_email, name=name, empty=empty)
    click.echo(f"==> tenant for {domain} ready: {site_url(domain, load_site(site_dir).slug)}")
    for line in lines:
        click.echo(f"    {line}")


@cli.command()
@click.option(
    "--dir",
    "site_dir",
    type=SITE_DIR,
    default=None,
    help="Where the demo site lives (default $MORTAR_HOME/demo/<slug>).",
)
@click.option("--slug", default="mortar_demo", show_default=True, help="The demo site's slug.")
@click.option("--domain", default="demo.localhost", show_default=True, help="Its domain.")
@click.option(
    "--reset", is_flag=True, help="Drop the demo site (database, media, folder) and make it anew."
)
@click.option("--yes", is_flag=True, help="With --reset: do not ask for confirmation.")
@handle_errors
def demo(site_dir: Path | None, slug: str, domain: str, reset: bool, yes: bool) -> None:
    """Shared stack up, a demo site spawned with bilingual sample content, served.

    Idempotent whatever editors did: a second run reuses the site and its admin login,
    keeps edited content and only adds sample content that is missing. --reset starts
    over from a new site (same admin login).
    """
    from mortar_infra import demo as demo_mod

    if reset:
        target = demo_mod.demo_dir(site_dir, slug)
        if not yes:
            click.confirm(
                f"Drop the demo site {slug}: its database, Redis keys, media and folder "
                f"{target}, then make it anew?",
                abort=True,
            )
        demo_mod.reset(target, slug)
    for line in demo_mod.run(site_dir, slug=slug, domain=domain).summary():
        click.echo(line)
