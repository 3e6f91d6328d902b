"""`mortar demo`: the shared stack, a spawned demo site, bilingual sample content, served.

The demo site lives in `$MORTAR_HOME/demo/<slug>/` (or `--dir`); its admin
password is generated once and kept in `$MORTAR_HOME/demo/<slug>.admin-password` (mode 600)
so every run can print the login. Each step is idempotent, so a second run only
checks and restarts what is missing.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mortar_infra import native, nginx, procs, siteenv, siteops
from mortar_infra.config import MortarError, UsageError, mortar_home
from mortar_infra.manifest import Site, load_site
from mortar_infra.processenv import process_env

log = logging.getLogger(__name__)
DEMO_ANSWERS = {
    "site_name": "Mortar Demo",
    "site_slug": "mortar_demo",
    "domain": "demo.localhost",
    "languages": "en,ar",
    "admin_email": "admin@demo.localhost",
    "time_zone": "UTC",
}
CONTENT_SCRIPT = Path(__file__).resolve().parent / "scripts" / "demo_content.py"


def spawn(site_dir: Path, answers: dict[str, str]) -> Path:
    """Generate a site with cookiecutter from the kit (no-op if it already exists)."""
    if (site_dir / "mortar.toml").is_file():
        return site_dir
    from cookiecutter.main import cookiecutter

    site_dir.parent.mkdir(parents=True, exist_ok=True)
    log.info(f"==> spawning {answers['site_slug']} into {site_dir.parent}")
    answers = {**answers, "mortar_version": siteenv.kit_version()}
    out = cookiecutter(
        str(siteenv.kit_root()), no_input=True, extra_context=answers,
        output_dir=str(site_dir.parent),
    )  # fmt: skip
    produced = Path(out)
    if produced != site_dir:
        produced.rename(site_dir)
    return site_dir


def _password(slug: str) -> str:
    path = mortar_home() / "demo" / f"{slug}.admin-password"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    pw = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(pw + "\n")
    return pw


def load_content(site: Site) -> None:
    env = {**os.environ, **process_env(site)}
    proc = subprocess.run(
        [str(siteenv.site_python(site)), str(CONTENT_SCRIPT), site.slug],
        cwd=site.site_dir, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise MortarError(f"loading the demo content failed:\n{tail}")
    log.info(f"==> {proc.stdout.strip()}")


def demo_dir(site_dir: Path | None, slug: str) -> Path:
    return Path(site_dir or mortar_home() / "demo" / slug).resolve()


def reset(site_dir: Path, slug: str) -> None:
    """Drop the demo site whole: processes, routing, database, Redis, state and folder.

    The admin password file is kept, so the new demo has the same login.
    """
    from mortar_infra import provision
    from mortar_infra.manifest import forget_site, read_manifest, registered_site

    if (site_dir / "mortar.toml").is_file() and read_manifest(site_dir)["slug"] != slug:
        raise UsageError(f"{site_dir} holds another site than {slug!r}; not removing it")
    log.info(f"==> resetting the demo site {slug}")
    try:
        site = registered_site(slug)
    except UsageError:
        site = None  # never brought up on this machine (or already forgotten)
    if site is not None:
        procs.stop(site)
        if nginx.vhost_path(slug).exists():
            nginx.unregister(slug)
        provision.deprovision(site)
        forget_site(slug)
    if site_dir.is_dir():
        shutil.rmtree(site_dir)
        log.info(f"==> removed {site_dir}")


@dataclass
class Demo:
    """What `run` brought up, and the login it keeps."""

    up: siteops.UpResult
    admin_email: str
    password: str

    def summary(self) -> list[str]:
        """The lines `mortar demo` ends with: where to look, and how to log in."""
        urls, site = self.up.urls, self.up.site
        port = urls[0].rstrip("/").rsplit(":", 1)[1]
        return [
            "",
            "Mortar demo is up (English and Arabic):",
            *(f"  site     {url}   and {url}ar/" for url in urls),
            f"  admin    {urls[0]}admin/",
            f"  login    {self.admin_email} / {self.password}",
            f"  api      {urls[0]}api/v1/site/",
            f"  curl -H 'Host: {site.domains[0]}' http://127.0.0.1:{port}/",
            "  (*.localhost names resolve to 127.0.0.1 in browsers)",
        ]


def run(
    site_dir: Path | None = None,
    slug: str = DEMO_ANSWERS["site_slug"],
    domain: str = DEMO_ANSWERS["domain"],
) -> Demo:
    answers = {
        **DEMO_ANSWERS,
        "site_slug": slug,
        "domain": domain,
        "admin_email": f"admin@{domain}",
    }
    log.info("==> shared stack")
    native.up()
    site_dir = demo_dir(site_dir, slug)
    spawn(site_dir, answers)
    if load_site(site_dir).slug != slug:
        raise UsageError(f"{site_dir} holds another site than {slug!r}; pass --dir")
    password = _password(slug)
    result = siteops.up(site_dir, admin_password=password)
    load_content(result.site)
    return Demo(result, answers["admin_email"], password)
