"""Bring a generated site up natively, take it down, report on it, add tenants.

`up` is a sequence of idempotent steps, each failing with a one-line reason:
site venv -> provision (database, role, Redis user) -> migrate (public, template,
tenants) -> collectstatic -> first tenant + admin -> start api/web/worker/beat ->
wait for both /health/ -> register the vhost with nginx -> check through nginx.
The vhost is written only once the processes answer, so nginx never routes to a
site that failed to start; on a failure after start, the processes started by this
run are stopped again and the vhost left as it was.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from mortar_infra import nginx, procs, provision, siteenv
from mortar_infra.config import MortarError, UsageError, http_port
from mortar_infra.envfile import read_env
from mortar_infra.manifest import (
    Site,
    add_domains,
    all_sites,
    forget_site,
    load_site,
    registered_site,
)
from mortar_infra.polling import wait_until

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = float(os.environ.get("MORTAR_HEALTH_TIMEOUT", "90"))


@dataclass
class UpResult:
    site: Site
    urls: list[str]
    admin_lines: list[str] = field(default_factory=list)
    started: bool = False


def process_env(site: Site) -> dict[str, str]:
    """The environment of every site process and management command.

    The site's `.env` is exported (as honcho does for the Procfile), so tools that read
    the environment before Django does - mortar-api's role runner picking
    MORTAR_CELERY_APP - see it; the native specifics (ports, paths) are set on top.
    """
    env = read_env(site.env_path)
    env.setdefault("MORTAR_CELERY_APP", f"{site.slug}_api.celery")  # sites spawned before it
    return env | {
        "MORTAR_ENV_FILE": str(site.env_path),
        "MORTAR_BASE_DIR": site.site_dir,
        "DJANGO_SETTINGS_MODULE": f"{site.slug}_api.settings",
        "MORTAR_SITE_NAME": site.name,
        "MORTAR_API_URL": f"http://127.0.0.1:{site.api_port}",
        # web's fingerprinted assets, collected per site (never into the shared base venv)
        "MORTAR_WEB_STATIC_ROOT": str(site.state_dir / "web-assets"),
        "API_PORT": str(site.api_port),
        "WEB_PORT": str(site.web_port),
        "PYTHONUNBUFFERED": "1",
    }


def manage(
    site: Site, *args: str, extra_env: dict[str, str] | None = None, tool: str = "mortar_api"
) -> str:
    """Run a management command (of mortar_api, or `tool="mortar_web"`) in the site venv.

    Returns its stdout.
    """
    python = siteenv.site_python(site)
    log.debug(f"{site.slug}: {tool}.manage {' '.join(args)}")
    env = {**os.environ, **process_env(site), **(extra_env or {})}
    if tool == "mortar_web":
        env["DJANGO_SETTINGS_MODULE"] = f"{site.slug}_web.settings"
    proc = subprocess.run(
        [str(python), "-m", f"{tool}.manage", *args],
        cwd=site.site_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        errors = [ln for ln in lines if ln.startswith("CommandError")] or lines[-8:]
        raise MortarError(f"`{args[0]}` failed for {site.slug}:\n" + "\n".join(errors))
    return proc.stdout


def _get(url: str, host: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback URLs
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def health(site: Site) -> dict[str, bool]:
    return {
        "api": _get(f"http://127.0.0.1:{site.api_port}/health/")[0] == 200,
        "web": _get(f"http://127.0.0.1:{site.web_port}/health/")[0] == 200,
    }


def _wait_healthy(site: Site, timeout: float, roles: tuple[str, ...] = procs.ROLES) -> None:
    def healthy() -> bool:  # a role that died will not become healthy: say so at once
        dead = [r for r, pid in procs.status(site).items() if pid is None and r in roles]
        if dead:
            raise MortarError(
                f"{site.slug}: {', '.join(dead)} exited at start{_log_tails(site, dead)}"
            )
        return all(ok for r, ok in health(site).items() if r in roles)

    if wait_until(healthy, timeout, 0.5, f"{site.slug} healthy"):
        return
    bad = [r for r, ok in health(site).items() if not ok and r in roles]
    raise MortarError(
        f"{site.slug}: {', '.join(bad)} not healthy after {timeout:.0f}s{_log_tails(site, bad)}"
    )


def _log_tails(site: Site, roles: list[str]) -> str:
    out = []
    for role in roles:
        path = procs.log_file(site, role)
        lines = path.read_text(errors="replace").splitlines()[-6:] if path.exists() else []
        out.append(f"\n--- {path} (last lines)\n" + "\n".join(lines))
    return "".join(out)


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
    log.info("==> migrating (public schema, tenant template, tenants)")
    manage(site, "migrate_tenants", "--verbosity", "0")
    manage(site, "collectstatic", "--noinput", "--verbosity", "0")
    manage(site, "collectstatic", "--noinput", "--verbosity", "0", tool="mortar_web")
    clock.lap("migrate + collectstatic")
    log.info("==> first tenant")
    extra = {"MORTAR_ADMIN_PASSWORD": admin_password} if admin_password else None
    out = manage(site, "ensure_first_tenant", extra_env=extra)
    admin_lines = [ln for ln in out.splitlines() if ln.startswith("admin ")]
    for line in out.splitlines():
        if not line.startswith("admin "):  # the login is printed once, in the summary
            log.info(f"    {line}")
    clock.lap("first tenant")
    if venv_changed and any(procs.status(site).values()):
        log.info("==> the site's packages changed: restarting its processes")
        procs.stop(site)
    already = all(procs.status(site).values())
    log.info("==> processes " + ("already running" if already else "api, web, worker, beat"))
    env = process_env(site)
    procs.start(site, siteenv.site_python(site), env)
    try:
        _wait_healthy(site, HEALTH_TIMEOUT)
        clock.lap("start + health")
        register(site)
    except MortarError:
        if not already:
            procs.stop(site)
        raise
    urls = site_urls(site)
    status, _ = _get(f"http://127.0.0.1:{http_port()}/health/", host=site.domains[0])
    if status != 200:
        raise MortarError(f"{site.slug} is up but nginx answers {status} for {site.domains[0]}")
    clock.lap("nginx")
    for role, why in procs.stale(site, env).items():
        log.info(f"==> {role} {why}: `mortar site restart {site.site_dir}` loads it")
    return UpResult(site=site, urls=urls, admin_lines=admin_lines, started=not already)


class _Clock:
    """Prints how long each step of `up` took (where a slow machine spends its time)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        log.info(f"    {step}: {now - self.last:.1f}s")
        self.last = now


def register(site: Site) -> None:
    reloaded = nginx.register(site)
    log.info(
        f"==> nginx routes {' '.join(site.all_domains)}" + ("" if reloaded else " (not running)")
    )


def site_urls(site: Site) -> list[str]:
    port = http_port()
    return [f"http://{d}:{port}/" for d in site.all_domains]


def down(site_dir: Path) -> list[str]:
    """Unroute the site (its domains then get nginx's closing default server), stop it."""
    site = load_site(site_dir)
    if nginx.vhost_path(site.slug).exists():
        nginx.unregister(site.slug)
        log.info(f"==> nginx no longer routes {' '.join(site.all_domains)}")
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
    if not siteenv.site_python(site).exists():
        raise MortarError(f"{site.slug} has no venv yet: run `mortar site up {site_dir}` first")
    unknown = [r for r in roles if r not in procs.ROLES]
    if unknown:
        raise UsageError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(procs.ROLES)}")
    roles = [r for r in procs.ROLES if r in roles] if roles else list(procs.ROLES)
    env = process_env(site)
    running = procs.status(site)
    done: dict[str, str] = {}
    for role in roles:
        if running[role] is None:
            done[role] = "started (was not running)"
        elif role in procs.RELOADABLE and procs.has_env(site, role, env):
            log.info(f"==> {role}: graceful reload (SIGHUP)")
            if procs.reload(site, role, env):
                done[role] = "reloaded"
                continue
            done[role] = "restarted (reload did not finish)"
            procs.stop(site, roles=[role])
        else:
            log.info(
                f"==> {role}: stopping"
                + (" (warm: running tasks finish)" if role == "worker" else "")
            )
            procs.stop(site, roles=[role])
            done[role] = "restarted"
    procs.start(site, siteenv.site_python(site), env, roles=roles)
    _wait_healthy(site, HEALTH_TIMEOUT, tuple(roles))
    for role, what in done.items():
        log.info(f"==> {role}: {what}")
    return done


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
    if nginx.vhost_path(slug).exists():
        nginx.unregister(slug)
        log.info(f"==> nginx no longer routes {' '.join(site.all_domains)}")
    forget_site(slug)
    log.info(f"==> {slug} forgotten ({site.state_dir} removed)")


def run_manage(site_dir: Path, args: list[str]) -> int:
    """`manage.py <args>` of the site's api (its venv, `.env` and settings), output streamed."""
    site = load_site(site_dir)
    python = siteenv.site_python(site)
    if not python.exists():
        raise MortarError(f"{site.slug} has no venv yet: run `mortar site up {site_dir}` first")
    env = {**os.environ, **process_env(site)}
    return subprocess.run(
        [str(python), "-m", "mortar_api.manage", *args], cwd=site.site_dir, env=env
    ).returncode


def site_status(site: Site) -> dict[str, object]:
    pids = procs.status(site)
    running = any(pids.values())
    checks = health(site) if running else {"api": False, "web": False}
    return {
        "slug": site.slug,
        "name": site.name,
        "site_dir": site.site_dir,
        "domains": site.all_domains,
        "api_port": site.api_port,
        "web_port": site.web_port,
        "processes": pids,
        "health": checks,
        "registered": nginx.vhost_path(site.slug).exists(),
        "folder": Path(site.site_dir, "mortar.toml").is_file(),
        "state": "up"
        if all(pids.values()) and all(checks.values())
        else ("degraded" if running else "down"),
    }


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
    if not siteenv.site_python(site).exists():
        raise MortarError(f"{site.slug} has no venv yet: run `mortar site up {site_dir}` first")
    for other in all_sites():
        if other.slug != site.slug and domain in other.all_domains:
            raise UsageError(f"domain {domain} already belongs to site {other.slug}")
    args = ["add_tenant", "--schema", schema_for(domain), "--domain", domain]
    args += [
        "--name",
        (name or "").strip() or domain,
        "--admin-email",
        admin_email or f"admin@{domain}",
    ]
    if empty:
        args.append("--empty")
    extra = {"MORTAR_ADMIN_PASSWORD": admin_password} if admin_password else None
    out = manage(site, *args, extra_env=extra)
    for line in out.splitlines():
        if not line.startswith("admin "):  # printed once, by the caller
            log.info(f"    {line}")
    site = add_domains(site.slug, [domain])
    if nginx.vhost_path(site.slug).exists():
        register(site)
    return [ln for ln in out.splitlines() if ln.startswith("admin ")]


def env_value(site: Site, key: str) -> str | None:
    return read_env(site.env_path).get(key)


def to_json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def site_urls_for(domain: str) -> str:
    return f"http://{domain}:{http_port()}/"
