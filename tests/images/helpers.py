"""Helpers of the images tier: generating sites, the `mortar` CLI, cleaning up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from mortar_infra.manifest import Site
from mortar_infra.provision import deprovision

from .containers import ROOT

MORTAR = str(Path(sys.executable).with_name("mortar"))
COOKIECUTTER = str(Path(sys.executable).with_name("cookiecutter"))
PG_ADMIN = (
    os.environ.get("MORTAR_POSTGRES_ADMIN_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_ADMIN = os.environ.get("MORTAR_REDIS_ADMIN_URL") or "redis://127.0.0.1:6379/0"
ARTIFACTS = ROOT / "test-artifacts" / "images"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate_site(out_dir: Path, slug: str, **answers: str) -> Path:
    """`cookiecutter <kit> --no-input` exactly as a user runs it; returns the site dir."""
    extra = [f"{k}={v}" for k, v in answers.items()]
    res = subprocess.run(
        [COOKIECUTTER, str(ROOT), "--no-input", "--output-dir", str(out_dir),
         f"site_name=Images {slug}", f"site_slug={slug}", *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    return out_dir / slug


def drop_site_objects(slug: str) -> None:
    """mortar_infra's own deprovision of `slug`, on the test servers whatever os.environ holds."""
    saved = {k: os.environ.get(k) for k in ("MORTAR_POSTGRES_ADMIN_URL", "MORTAR_REDIS_ADMIN_URL")}
    os.environ.update(MORTAR_POSTGRES_ADMIN_URL=PG_ADMIN, MORTAR_REDIS_ADMIN_URL=REDIS_ADMIN)
    try:
        deprovision(
            Site(slug=slug, name=slug, domains=[], mortar_version="", api_port=0, web_port=0)
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def mortar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MORTAR, *args], capture_output=True, text=True, timeout=180)


def ok(res: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert res.returncode == 0, f"rc={res.returncode}\nstdout={res.stdout}\nstderr={res.stderr}"
    return res
