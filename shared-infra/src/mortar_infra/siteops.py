"""Bring a generated site up natively, restart it, take it down, forget it, report on it.

`up` is a sequence of idempotent steps, each failing with a one-line reason:
site venv -> provision (database, role, Redis user) -> media bucket check (s3) ->
migrate (public, template, tenants) -> collectstatic -> first tenant + admin ->
start api/web/worker/beat ->
wait for both /health/ -> register the vhost with nginx -> check through nginx.
The vhost is written only once the processes answer, so nginx never routes to a
site that failed to start; on a failure after start, the processes started by this
run are stopped again and the vhost left as it was.

The pieces live beside it: `processenv` (the processes' environment, management
commands), `probes` (health checks and waits), `tenants` (`tenant add`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from mortar_infra import acme, nginx, probes, procs, provision, siteenv, tenants
from mortar_infra.config import MortarError, UsageError
from mortar_infra.manifest import Site, forget_site, load_site, registered_site
from mortar_infra.processenv import manage, media_storage, process_env, require_venv
from mortar_infra.urls import site_urls

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = float(os.environ.get("MORTAR_HEALTH_TIMEOUT", "90"))


@dataclass
class UpResult:
    site: Site
    urls: list[str]
    admin_lines: list[str] = field(default_factory=list)
    started: bool = False


@dataclass
class SiteStatus:
    """One row of `mortar site status` (`--json`: these fields, in this order)."""

    slug: str
    name: str
    site_dir: str
    domains: list[str]
    api_port: int
    web_port: int
    processes: dict[str, int | None]  # role -> pid, None when not running
    health: dict[str, bool]  # api/web answer /health/
    registered: bool  # nginx routes it
    folder: bool  # its folder (mortar.toml) still exists
    state: str  # up | degraded (some runs, not all answers) | down


def check_ready(site_dir: Path) -> Site:
    s = load_site(site_dir)
    if not s.env_path.is_file():
        raise UsageError(f"{site_dir}: no .env (spawn sites with cookiecutter; it writes one)")
    if nginx.running_pid() is None:
        raise MortarError("the shared stack is not running: run `mortar infra up` first")
    return s


def up(site_dir: Path, admin_password: str | None = None) -> UpResult:
    site = check_ready(site_dir)
    log.info(f"==> {site.slug}: {site.name} ({', '.join(site.all_domains)})")
    clock = _Clock()
    venv_changed = siteenv.ensure_site_venv(site)
    clock.lap("venv")
    provision.provision(site)
    clock.lap("provision")
    if media_storage(site) == "s3":  # a wrong endpoint, key or bucket: said now, by name
        manage(site, "check_media_storage")
    log.info("==> migrating (public schema, tenant template, tenants)")
    for line in tenants.migrate_for_up(site, site_dir):
        log.warning(line)
    manage(site, "collectstatic", "--noinput", "--verbosity", "0")
    manage(site, "collectstatic", "--noinput", "--verbosity", "0", tool="mortar_web")
    clock.lap("migrate + collectstatic")
    admin_lines = _first_tenant(site, admin_password)
    clock.lap("first tenant")
    if venv_changed and any(procs.status(site).values()):
        log.info("==> the site's packages changed: restarting its processes")
        procs.stop(site)
    already = all(procs.status(site).values())
    log.info("==> processes " + ("already running" if already else "api, web, worker, beat"))
    env = process_env(site)
    procs.start(site, siteenv.site_python(site), env)
    try:
        probes.wait_healthy(site, HEALTH_TIMEOUT)
        clock.lap("start + health")
        site = tenants.remember_domain_schemas(site)
        nginx.route(site)
    except MortarError:
        if not already:
            procs.stop(site)
        raise
    acme.secure(site)  # a certificate from the ACME server, when one is set
    status = probes.edge_health(site)
    if status != 200:
        raise MortarError(f"{site.slug} is up but nginx answers {status} for {site.domains[0]}")
    clock.lap("nginx")
    for role, why in procs.stale(site, env).items():
        log.info(f"==> {role} {why}: `mortar site restart {site.site_dir}` loads it")
    return UpResult(site=site, urls=site_urls(site), admin_lines=admin_lines, started=not already)


def _first_tenant(site: Site, admin_password: str | None) -> list[str]:
    """Make the first tenant and its admin if missing; returns the admin login lines."""
    log.info("==> first tenant")
    extra = {"MORTAR_ADMIN_PASSWORD": admin_password} if admin_password else None
    out = manage(site, "ensure_first_tenant", extra_env=extra)
    for line in out.splitlines():
        if not line.startswith("admin "):  # the login is printed once, in the summary
            log.info(f"    {line}")
    return [ln for ln in out.splitlines() if ln.startswith("admin ")]


class _Clock:
    """Prints how long each step of `up` took (where a slow machine spends its time)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        log.info(f"    {step}: {now - self.last:.1f}s")
        self.last = now


def down(site_dir: Path) -> list[str]:
    """Unroute the site (its domains then get nginx's closing default server), stop it."""
    site = load_site(site_dir)
    nginx.unroute(site)
    stopped = procs.stop(site)
    log.info(
        f"==> {site.slug}: " + (f"stopped {', '.join(stopped)}" if stopped else "was not running")
    )
    return stopped


def restart(site_dir: Path, roles: list[str]) -> dict[str, str]:
    """Restart roles gracefully so they load the site's current code and `.env`.

    api/web (gunicorn): SIGHUP - new workers, old ones finish their requests - unless the
    environment changed, which only a new master picks up; worker: warm shutdown (running
    tasks finish) then start; beat: stop then start. A role that is not running is started.
    Returns role -> what was done.
    """
    site = load_site(site_dir)
    python = require_venv(site, site_dir)
    roles = procs.check_roles(roles)
    env = process_env(site)
    running, hosts = procs.status(site), procs.programs(site)
    done: dict[str, str] = {}
    for role in roles:  # an embedded beat restarts with (as) its worker
        host = hosts[role]
        if host != role and host in done:
            done[role] = f"{done[host]} (runs in the {host})"
        else:
            done[role] = _restart_one(site, host, running[host], env)
    procs.start(site, python, env, roles=roles)
    probes.wait_healthy(site, HEALTH_TIMEOUT, tuple(roles))
    for role, what in done.items():
        log.info(f"==> {role}: {what}")
    return done


def _restart_one(site: Site, role: str, pid: int | None, env: dict[str, str]) -> str:
    """Reload or stop one role (`restart` starts what is stopped); returns what was done."""
    if pid is None:
        return "started (was not running)"
    if role in procs.RELOADABLE and procs.has_env(site, role, env):
        log.info(f"==> {role}: graceful reload (SIGHUP)")
        if procs.reload(site, role, env):
            return "reloaded"
        procs.stop(site, roles=[role])
        return "restarted (reload did not finish)"
    warm = " (warm: running tasks finish)" if role == "worker" else ""
    log.info(f"==> {role}: stopping{warm}")
    procs.stop(site, roles=[role])
    return "restarted"


def forget(slug: str) -> None:
    """Remove everything Mortar remembers about a site: its routing, ports, logs, pids.

    The site's folder, database and Redis user are not touched (`deprovision` drops those).
    """
    site = registered_site(slug)
    running = [r for r, pid in procs.status(site).items() if pid]
    if running:
        raise UsageError(
            f"{slug} is running ({', '.join(running)}): `mortar site down {site.site_dir}` first"
        )
    nginx.unroute(site)
    forget_site(slug)
    log.info(f"==> {slug} forgotten ({site.state_dir} removed)")


def site_status(site: Site) -> SiteStatus:
    pids = procs.status(site)
    running = any(pids.values())
    checks = probes.site_health(site) if running else {"api": False, "web": False}
    healthy = all(pids.values()) and all(checks.values())
    return SiteStatus(
        slug=site.slug,
        name=site.name,
        site_dir=site.site_dir,
        domains=site.all_domains,
        api_port=site.api_port,
        web_port=site.web_port,
        processes=pids,
        health=checks,
        registered=nginx.vhost_path(site.slug).exists(),
        folder=Path(site.site_dir, "mortar.toml").is_file(),
        state="up" if healthy else ("degraded" if running else "down"),
    )
