"""Install a site package's extra dependencies into the image venv (site Dockerfiles run it).

Reads ``[project].dependencies`` of the site's pyproject.toml. The Mortar base package
(mortar-api / mortar-web) is already in the base image: its pin must match the installed
version, or the build stops with a clear message instead of pip silently replacing the base.
The other requirements come from ``requirements.lock`` beside it (``mortar site lock``):
every one must be covered by the lock, which is installed with ``--no-deps
--require-hashes`` (exact versions and files; nothing the base ships is touched), then
``pip check``. Without a lock (a site made before 1.5) they are pip-installed unlocked, with a
warning. No extras means no pip run (and no network).
Usage: python3 /usr/local/lib/mortar/site-deps.py <pyproject.toml>
"""

import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mortar_contract.lockfile import LOCK_NAME, canonical, parse_lock
from pip._vendor.packaging.requirements import Requirement

BASE_PACKAGES = ("mortar-api", "mortar-web")
REFRESH = "run `mortar site lock .` in the site and commit the lock (README.md, 'Dependencies')"


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def main(pyproject: str) -> int:
    with open(pyproject, "rb") as f:
        deps = tomllib.load(f).get("project", {}).get("dependencies", [])
    extra = []
    for line in deps:
        req = Requirement(line)
        if req.name.lower() not in BASE_PACKAGES:
            extra.append(req)
            continue
        have = _installed(req.name)
        if have is None:
            print(
                f"error: {pyproject} needs {req.name}, which this base image lacks", file=sys.stderr
            )
            return 1
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            print(
                f"error: {pyproject} pins {line!r} but the base image has {req.name} {have}; "
                "set MORTAR_VERSION (.env, build arg) and the pins in api/pyproject.toml and "
                "web/pyproject.toml to the same version (docs/images.md, 'Upgrade a site')",
                file=sys.stderr,
            )
            return 1
    lock = Path(pyproject).with_name(LOCK_NAME)
    if not lock.is_file():
        if not extra:
            print("site-deps: nothing to install beyond the base image")
            return 0
        print(f"warning: no {lock}: installing {len(extra)} requirement(s) unlocked; {REFRESH}")
        return subprocess.call(
            [sys.executable, "-m", "pip", "install", "--quiet", *map(str, extra)]
        )
    try:
        entries = {e.name: e for e in parse_lock(lock.read_text())}
    except ValueError as exc:
        print(f"error: {lock}: {exc}", file=sys.stderr)
        return 1
    stale = [
        str(r)
        for r in extra
        if canonical(r.name) not in entries
        or not r.specifier.contains(entries[canonical(r.name)].version, prereleases=True)
    ]
    if stale:
        print(f"error: {lock} does not satisfy {stale}: {REFRESH}", file=sys.stderr)
        return 1
    for e in entries.values():  # the lock may add packages, never replace the base's
        have = _installed(e.name)
        if have is not None and have != e.version:
            print(
                f"error: {lock} pins {e.name}=={e.version} but the base image ships {have}; "
                + REFRESH,
                file=sys.stderr,
            )
            return 1
    if not entries:
        print("site-deps: nothing to install beyond the base image")
        return 0
    pip = [sys.executable, "-m", "pip"]
    rc = subprocess.call([*pip, "install", "--quiet", "--no-deps", "--require-hashes", "-r", lock])
    return rc or subprocess.call([*pip, "check"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: site-deps.py <pyproject.toml>")
    sys.exit(main(sys.argv[1]))
