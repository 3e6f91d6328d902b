"""`mortar site lock <dir>`: lock what a site adds to its base images.

For each role (api, web) the site's own requirements — ``[project].dependencies`` of
``<role>/pyproject.toml`` minus the mortar-api/mortar-web pin — are resolved by uv with
``--generate-hashes`` for the images' Python (3.11, any platform), constrained to the exact
versions the base layer has (the shared base venv, built from the kit like the images).
Packages the base already ships are then dropped, so the lock only ever adds packages: the
site images (site-deps.py) and the native site venv install it with ``pip install --no-deps
--require-hashes``. A site with no extra requirements gets a lock without entries, written
without the package index; a spawned site ships that one (the template), so spawning stays
offline and instant. Resolving extras needs the package index (uv's cache helps; offline it
fails with uv's message).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import tomllib
from pathlib import Path

from mortar_contract.lockfile import LOCK_NAME, canonical, parse_lock

from mortar_infra.config import MortarError
from mortar_infra.manifest import Site
from mortar_infra.siteenv import ensure_base_venv

IMAGE_PYTHON = "3.11"  # the base images' Python (base-images/*/Dockerfile)
# What each role's image installs on top of Python: the base package and its extras.
ROLE_BASE = {"api": ("mortar-api", ("s3",)), "web": ("mortar-web", ())}
BASE_NAMES = {"mortar-api", "mortar-web", "mortar-contract"}

# Run by the base venv's python: {name: version} of a package's dependency closure.
_CLOSURE = r"""
import json, sys
from importlib.metadata import distribution
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
seen, todo = {}, [(sys.argv[1], set(sys.argv[2:]))]
while todo:
    name, extras = todo.pop()
    key = canonicalize_name(name)
    if key in seen and extras <= seen[key][1]:
        continue
    dist = distribution(name)
    done = seen.get(key, (None, set()))[1]
    seen[key] = (dist.version, done | extras)
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
            todo.append((req.name, set(req.extras)))
print(json.dumps({k: v for k, (v, _) in seen.items()}))
"""


def header(role: str, version: str) -> str:
    base, extras = ROLE_BASE[role]
    spec = f"{base}[{','.join(extras)}]" if extras else base
    return (
        f"# {role}: the packages this site adds to {spec}=={version} (its image and venv).\n"
        "# Written by `mortar site lock .` from the dependencies in pyproject.toml; do not edit.\n"
        "# Installed with pip install --no-deps --require-hashes (README.md, 'Dependencies').\n"
    )


def site_extras(pyproject: Path) -> list[str]:
    """The site's own requirements: its pyproject dependencies minus the base pin."""
    from packaging.requirements import InvalidRequirement, Requirement

    deps = tomllib.loads(pyproject.read_text()).get("project", {}).get("dependencies", [])
    out = []
    for line in deps:
        try:
            name = canonical(Requirement(line).name)
        except InvalidRequirement as exc:
            raise MortarError(f"{pyproject}: {exc}") from None
        if name not in BASE_NAMES:
            out.append(line)
    return out


def shipped(base_python: Path, role: str) -> dict[str, str]:
    """{name: version} of everything the role's base image ships (per the base venv)."""
    name, extras = ROLE_BASE[role]
    proc = subprocess.run(
        [str(base_python), "-c", _CLOSURE, name, *extras], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise MortarError(f"listing the {name} packages failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def lock_role(site: Site, role: str) -> list[str]:
    """Write ``<role>/requirements.lock``; returns the locked package names."""
    site_dir = Path(site.site_dir)
    extras = site_extras(site_dir / role / "pyproject.toml")
    lock = site_dir / role / LOCK_NAME
    text = header(role, site.mortar_version)
    names: list[str] = []
    if extras:
        base = ensure_base_venv(site.mortar_version)
        have = shipped(base / "bin" / "python", role)
        text += _resolve(extras, have, role)
        names = [e.name for e in parse_lock(text)]
    lock.write_text(text)
    return names


def _resolve(extras: list[str], have: dict[str, str], role: str) -> str:
    """uv's hashed resolution of ``extras`` under the base's pins, minus the base's packages."""
    from uv import find_uv_bin

    with tempfile.TemporaryDirectory(prefix="mortar-lock-") as tmp:
        reqs, cons = Path(tmp) / "requirements.in", Path(tmp) / "constraints.txt"
        reqs.write_text("\n".join(extras) + "\n")
        pins = sorted((n, v) for n, v in have.items() if n not in BASE_NAMES)
        cons.write_text("".join(f"{n}=={v}\n" for n, v in pins))
        proc = subprocess.run(
            [find_uv_bin(), "pip", "compile", str(reqs), "--constraint", str(cons),
             "--generate-hashes", "--universal", "--python-version", IMAGE_PYTHON,
             "--no-header", "--annotation-style", "line", "--quiet",
             # the system's trust store, as pip: a TLS-inspecting proxy's CA is there
             "--native-tls"],
            capture_output=True, text=True, cwd=tmp, timeout=600,
        )  # fmt: skip
    if proc.returncode != 0:
        raise MortarError(
            f"resolving {role}'s dependencies {extras} failed (uv needs the package index"
            f" or its cache):\n{proc.stderr.strip()[-3000:]}"
        )
    kept = [e.text for e in parse_lock(proc.stdout) if e.name not in have]
    return "".join(t.replace("-r requirements.in", "pyproject.toml") + "\n" for t in kept)


def lock_site(site: Site) -> dict[str, list[str]]:
    """Lock both roles; {role: locked package names}."""
    return {role: lock_role(site, role) for role in ROLE_BASE}
