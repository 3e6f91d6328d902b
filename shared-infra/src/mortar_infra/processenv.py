"""The environment a site's processes and management commands run in, and running the
latter (captured for the CLI's steps, or streamed for `mortar site manage`)."""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

from mortar_infra import siteenv
from mortar_infra.config import MortarError
from mortar_infra.envfile import read_env
from mortar_infra.manifest import Site, load_site

log = logging.getLogger(__name__)


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


def manage_process(
    site: Site, *args: str, extra_env: dict[str, str] | None = None, tool: str = "mortar_api"
) -> subprocess.CompletedProcess[str]:
    """Run a management command in the site venv; the finished process, whatever its code."""
    python = siteenv.site_python(site)
    log.debug(f"{site.slug}: {tool}.manage {' '.join(args)}")
    env = {**os.environ, **process_env(site), **(extra_env or {})}
    if tool == "mortar_web":
        env["DJANGO_SETTINGS_MODULE"] = f"{site.slug}_web.settings"
    return subprocess.run(
        [str(python), "-m", f"{tool}.manage", *args],
        cwd=site.site_dir,
        env=env,
        capture_output=True,
        text=True,
    )


def command_failed(
    site: Site, args: tuple[str, ...], proc: subprocess.CompletedProcess
) -> MortarError:
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("CommandError")] or lines[-8:]
    return MortarError(f"`{args[0]}` failed for {site.slug}:\n" + "\n".join(errors))


def manage(
    site: Site, *args: str, extra_env: dict[str, str] | None = None, tool: str = "mortar_api"
) -> str:
    """Run a management command (of mortar_api, or `tool="mortar_web"`) in the site venv.

    Returns its stdout; a failure is a `MortarError` with the command's own error lines.
    """
    proc = manage_process(site, *args, extra_env=extra_env, tool=tool)
    if proc.returncode != 0:
        raise command_failed(site, args, proc)
    return proc.stdout


def require_venv(site: Site, site_dir: Path | str) -> Path:
    """The site venv's python; a `MortarError` saying what to run when there is none yet."""
    python = siteenv.site_python(site)
    if not python.exists():
        raise MortarError(f"{site.slug} has no venv yet: run `mortar site up {site_dir}` first")
    return python


def run_manage(site_dir: Path, args: list[str]) -> int:
    """`manage.py <args>` of the site's api (its venv, `.env` and settings), output streamed."""
    site = load_site(site_dir)
    python = require_venv(site, site_dir)
    env = {**os.environ, **process_env(site)}
    return subprocess.run(
        [str(python), "-m", "mortar_api.manage", *args], cwd=site.site_dir, env=env
    ).returncode


def media_storage(site: Site) -> str:
    """`local` or `s3`: where the site keeps uploads (MORTAR_MEDIA_STORAGE in its .env)."""
    return read_env(site.env_path).get("MORTAR_MEDIA_STORAGE") or "local"


def media_root(site: Site) -> Path:
    """The site's local media folder (MEDIA_ROOT in its .env, else `<site>/media`), as the
    api's settings resolve it; tenants' files are in `<schema>/` below it."""
    raw = read_env(site.env_path).get("MEDIA_ROOT")
    return Path(site.site_dir, raw) if raw else Path(site.site_dir) / "media"
