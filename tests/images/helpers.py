"""Helpers of the images tier: generating sites, the `mortar` CLI, cleaning up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import redis

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


def read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def drop_site_objects(slug: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "site_{slug}" WITH (FORCE)')
        conn.execute(f'DROP ROLE IF EXISTS "site_{slug}"')
    r = redis.Redis.from_url(REDIS_ADMIN)
    r.execute_command("ACL", "DELUSER", f"site_{slug}")
    keys = list(r.scan_iter(match=f"{slug}:*", count=1000))
    if keys:
        r.unlink(*keys)


def mortar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MORTAR, *args], capture_output=True, text=True, timeout=180)


def ok(res: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert res.returncode == 0, f"rc={res.returncode}\nstdout={res.stdout}\nstderr={res.stderr}"
    return res
