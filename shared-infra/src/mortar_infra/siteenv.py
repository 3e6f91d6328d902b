"""A site's Python environment for native runs.

Two layers, so that N sites do not each install Django and friends:

- the **base venv** `$MORTAR_HOME/venvs/<version>-<source hash>/`: mortar-api (with the s3
  extra) and mortar-web at exactly the site's pinned version, built as wheels from the
  *kit's* `base-images/` into `$MORTAR_HOME/wheels/<version>/` (once per version and kit
  source state, so an edited kit is rebuilt), plus the build and test tools a site needs
  (setuptools, pytest, pytest-django). `MORTAR_BASE_VENVS` moves these (e.g. a cache
  shared by test runs);
- the **site venv** `<site>/.venv/`: an empty venv whose `mortar-base.pth` puts the base
  venv's site-packages on its path, with the site's own `api/` and `web/` packages
  installed editable (so code edits need only a restart), and the packages of their
  `requirements.lock` (`mortar site lock`) by hash. pip resolves their `mortar-api==X.Y.Z`
  pins against the base layer and fails loudly on a mismatch.

Processes run as `<site>/.venv/bin/python -m gunicorn|celery ...` (see procs.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mortar_contract.lockfile import LOCK_NAME, parse_lock

from mortar_infra.config import MortarError, mortar_home
from mortar_infra.manifest import Site

log = logging.getLogger(__name__)
BASE_EXTRAS = ["setuptools>=69", "wheel", "pytest>=8", "pytest-django>=4.9"]
PTH_NAME = "mortar-base.pth"
LOCKS = ("api/" + LOCK_NAME, "web/" + LOCK_NAME)  # `mortar site lock` (sitelock.py)


def kit_root() -> Path:
    """The kit checkout holding base-images/ (MORTAR_KIT_DIR, else where this package lives)."""
    env = os.environ.get("MORTAR_KIT_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[3]
    if not (root / "base-images" / "api" / "pyproject.toml").is_file():
        raise MortarError(
            f"cannot find the Mortar kit's base-images/ under {root}; set MORTAR_KIT_DIR"
        )
    return root


def kit_version() -> str:
    return (kit_root() / "VERSION").read_text().strip()


@contextmanager
def _lock(name: str, root: Path | None = None) -> Iterator[None]:
    path = (root or mortar_home()) / "locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise MortarError(f"{what} failed:\n{tail}")


def _site_packages(venv: Path) -> Path:
    rel = Path(sysconfig.get_path("purelib", vars={"base": "."}))
    return (venv / rel).resolve()


def _cache_root() -> Path:
    return Path(os.environ.get("MORTAR_BASE_VENVS") or mortar_home())


def wheels_dir(version: str) -> Path:
    return _cache_root() / "wheels" / version


def source_hash() -> str:
    """Short hash of the kit's base package sources (names, sizes, mtimes)."""
    h = hashlib.sha256()
    root = kit_root() / "base-images"
    for pkg in ("api", "web", "common/contract"):
        for p in sorted((root / pkg).rglob("*")):
            rel = p.relative_to(root)
            if not p.is_file() or {"__pycache__", "tests", "build"} & set(rel.parts):
                continue
            if ".egg-info" in str(rel) or p.suffix == ".pyc":
                continue
            st = p.stat()
            h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:10]


def base_venv(version: str) -> Path:
    return _cache_root() / "venvs" / f"{version}-{source_hash()}"


def ensure_base_venv(version: str) -> Path:
    """Build (once, under a lock) the shared venv holding mortar-api/web `version`."""
    venv = base_venv(version)
    stamp = venv / ".mortar-ready"
    if stamp.is_file():
        return venv
    with _lock(f"venv-{venv.name}", _cache_root()):
        if stamp.is_file():
            return venv
        have = kit_version()
        if version != have:
            raise MortarError(
                f"the site pins mortar {version} but this kit provides {have}: "
                f"use the kit at {version}, or set mortar_version = {have!r} in mortar.toml "
                "and the pins in api/ and web/pyproject.toml"
            )
        wheels = wheels_dir(version)
        if wheels.exists():
            shutil.rmtree(wheels)  # wheels of an older kit state have the same names
        wheels.mkdir(parents=True)
        root = kit_root()
        log.info(f"==> building mortar-api and mortar-web {version} wheels into {wheels}")
        _run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
             str(root / "base-images" / "api"), str(root / "base-images" / "web"),
             str(root / "base-images" / "common" / "contract")],
            "building the base wheels",
        )  # fmt: skip
        api = sorted(wheels.glob(f"mortar_api-{version}-*.whl"))
        web = sorted(wheels.glob(f"mortar_web-{version}-*.whl"))
        # both bases pin mortar-contract==<version>, which is on no index: this wheel
        contract = sorted(wheels.glob(f"mortar_contract-{version}-*.whl"))
        if not api or not web or not contract:
            raise MortarError(
                f"no mortar_api/mortar_web/mortar_contract {version} wheels in {wheels}"
            )
        log.info(f"==> base venv {venv} (dependencies from the package cache)")
        _run([sys.executable, "-m", "venv", "--clear", str(venv)], "creating the base venv")
        _run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
             "--disable-pip-version-check", f"{api[-1]}[s3]", str(web[-1]), str(contract[-1]),
             *BASE_EXTRAS],
            "installing the base venv",
        )  # fmt: skip
        stamp.write_text(version + "\n")
    return venv


def _fingerprint(site_dir: Path, base: Path) -> str:
    h = hashlib.sha256(f"layout-2:{base}".encode())  # bump when the venv layout changes
    for rel in ("api/pyproject.toml", "web/pyproject.toml", *LOCKS):
        p = site_dir / rel
        h.update(p.read_bytes() if p.exists() else b"-")
    return h.hexdigest()


def site_python(site: Site) -> Path:
    return Path(site.site_dir) / ".venv" / "bin" / "python"


def ensure_site_venv(site: Site) -> bool:
    """Create/refresh `<site>/.venv` on top of the base venv; True if it changed."""
    site_dir = Path(site.site_dir)
    for part in ("api", "web"):
        if not (site_dir / part / "pyproject.toml").is_file():
            raise MortarError(f"{site_dir}: no {part}/pyproject.toml (not a Mortar site?)")
    base = _kept_base(site) or ensure_base_venv(site.mortar_version)
    venv = site_dir / ".venv"
    stamp = venv / ".mortar-site"
    want = _fingerprint(site_dir, base)
    with _lock(f"site-{site.slug}"):
        if stamp.is_file() and stamp.read_text().strip() == want and site_python(site).exists():
            return False
        log.info(f"==> site venv {venv}")
        if not site_python(site).exists():
            _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], "creating the venv")
        sp = _site_packages(venv)
        sp.mkdir(parents=True, exist_ok=True)
        (sp / PTH_NAME).write_text(str(_site_packages(base)) + "\n")
        _install_locks(site_dir)
        # --no-index: everything the pins need is in the base layer and the locks; a pin it
        # cannot satisfy (wrong version) fails here, before anything is provisioned.
        try:
            _run(
                [str(site_python(site)), "-m", "pip", "install", "-q",
                 "--disable-pip-version-check", "--no-index", "--no-build-isolation",
                 "-e", str(site_dir / "api"), "-e", str(site_dir / "web")],
                "installing the site's api and web packages",
            )  # fmt: skip
        except MortarError as exc:
            raise MortarError(
                f"{exc}\nIf you added a dependency to api/ or web/pyproject.toml, lock it: "
                f"mortar site lock {site_dir} (README.md, 'Dependencies')"
            ) from None
        _write_wrappers(venv)
        stamp.write_text(want + "\n")
    return True


def _install_locks(site_dir: Path) -> None:
    """Install what api/ and web/requirements.lock add to the base (exact files, by hash).

    Only a lock with entries runs pip (and needs the package index or pip's cache)."""
    python = site_dir / ".venv" / "bin" / "python"
    for rel in LOCKS:
        lock = site_dir / rel
        try:
            if not lock.is_file() or not parse_lock(lock.read_text()):
                continue
        except ValueError as exc:
            raise MortarError(f"{lock}: {exc}") from None
        _run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "--no-deps", "--require-hashes", "-r", str(lock)],
            f"installing {rel}",
        )  # fmt: skip


def _kept_base(site: Site) -> Path | None:
    """The base venv of a site on another version than the kit's, when its venv is current.

    The kit builds only its own version; a site still on an older one (not upgraded yet,
    or put back by a failed `site upgrade`) keeps the base venv its `.venv` was made on.
    """
    if site.mortar_version == kit_version():
        return None
    venv = Path(site.site_dir) / ".venv"
    pth, stamp = _site_packages(venv) / PTH_NAME, venv / ".mortar-site"
    if not pth.is_file() or not stamp.is_file():
        return None
    base = Path(pth.read_text().strip()).parents[2]  # <venv>/lib/pythonX.Y/site-packages
    ready = base / ".mortar-ready"
    if not ready.is_file() or ready.read_text().strip() != site.mortar_version:
        return None
    return base if stamp.read_text().strip() == _fingerprint(Path(site.site_dir), base) else None


def _write_wrappers(venv: Path) -> None:
    """`gunicorn`/`celery` commands in the site venv that run with the site's python.

    The base venv's own scripts would run the base interpreter, which cannot see the
    site's packages; tools that exec these by name (mortar-api's role runner) need them.
    """
    for tool in ("gunicorn", "celery"):
        path = venv / "bin" / tool
        path.write_text(f'#!/bin/sh\nexec "{venv / "bin" / "python"}" -m {tool} "$@"\n')
        path.chmod(0o755)
