"""`mortar site lock`: a spawned site's locks need no package index; extra requirements are
resolved with hashes against the base's versions (uv, the real index), the base's packages
left out; the native site venv and the image's site-deps.py install exactly the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mortar_contract.lockfile import parse_lock

KIT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SITE_DEPS = KIT / "base-images" / "common" / "site-deps.py"
# The base venvs the e2e tier shares (built once per kit source state).
SHARED_BASE_VENVS = KIT / "test-artifacts" / "base-venvs"


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None):
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = {**os.environ, "MORTAR_HOME": str(tmp_path / "home")}
    res = run(
        [str(BIN / "cookiecutter"), str(KIT), "--no-input", "-o", str(tmp_path),
         "site_name=Lock Check", "site_slug=lock_check"],
        env,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return tmp_path / "lock_check", env


def test_a_spawned_site_is_locked_already_and_relocks_offline(site, tmp_path) -> None:
    site_dir, env = site
    spawned = {r: (site_dir / r / "requirements.lock").read_text() for r in ("api", "web")}
    assert all(parse_lock(text) == [] for text in spawned.values())
    # no extra requirement: no base venv, no package index (an empty venv cache stays empty)
    empty = tmp_path / "no-venvs"
    empty.mkdir()
    offline = {**env, "MORTAR_BASE_VENVS": str(empty), "UV_OFFLINE": "1"}
    res = run([str(BIN / "mortar"), "site", "lock", str(site_dir)], offline)
    assert res.returncode == 0, res.stderr
    assert "api/requirements.lock: nothing beyond the base" in res.stdout
    assert {r: (site_dir / r / "requirements.lock").read_text() for r in spawned} == spawned
    assert list(empty.iterdir()) == []


def test_extra_requirements_are_locked_with_hashes_and_installed(site, tmp_path) -> None:
    site_dir, env = site
    env["MORTAR_BASE_VENVS"] = str(SHARED_BASE_VENVS)
    pyproject = site_dir / "api" / "pyproject.toml"
    text = pyproject.read_text()
    pin = next(line for line in text.splitlines() if '"mortar-api' in line)
    # humanize: no dependencies; django-cors-headers: needs Django, which the base ships
    pyproject.write_text(text.replace(pin, pin + ' "humanize>=4", "django-cors-headers>=4",'))

    # offline with an empty uv cache: the index is needed, and the message says so
    offline = {**env, "UV_OFFLINE": "1", "UV_CACHE_DIR": str(tmp_path / "uv-empty")}
    res = run([str(BIN / "mortar"), "site", "lock", str(site_dir)], offline)
    assert res.returncode != 0
    assert "needs the package index" in res.stderr and "humanize" in res.stderr
    assert parse_lock((site_dir / "api" / "requirements.lock").read_text()) == []  # untouched

    res = run([str(BIN / "mortar"), "site", "lock", str(site_dir)], env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "api/requirements.lock: django-cors-headers, humanize" in res.stdout
    lock = (site_dir / "api" / "requirements.lock").read_text()
    entries = {e.name: e for e in parse_lock(lock)}
    assert set(entries) == {"humanize", "django-cors-headers"}  # not Django, asgiref...
    assert all("--hash=sha256:" in e.text for e in entries.values())
    assert parse_lock((site_dir / "web" / "requirements.lock").read_text()) == []

    # the native site venv installs the lock (mortar site up does this before starting)
    code = (
        "from mortar_infra.manifest import load_site; from mortar_infra.siteenv import "
        f"ensure_site_venv; ensure_site_venv(load_site({str(site_dir)!r}))"
    )
    res = run([sys.executable, "-c", code], env)
    assert res.returncode == 0, res.stderr
    site_python = str(site_dir / ".venv" / "bin" / "python")
    res = run([site_python, "-c", "import humanize, corsheaders; print(humanize.__version__)"], env)
    assert res.returncode == 0 and res.stdout.strip() == entries["humanize"].version, res.stderr
    # the image's installer accepts it (all present: pip check only) ...
    res = run([site_python, str(SITE_DEPS), str(pyproject)], env)
    assert res.returncode == 0, res.stdout + res.stderr
    # ... and refuses a requirement the lock no longer satisfies
    pyproject.write_text(pyproject.read_text().replace('"humanize>=4"', '"humanize>=999"'))
    res = run([site_python, str(SITE_DEPS), str(pyproject)], env)
    assert res.returncode == 1
    assert "does not satisfy ['humanize>=999']" in res.stderr and "mortar site lock" in res.stderr
