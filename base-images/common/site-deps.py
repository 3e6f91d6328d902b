"""Install a site package's extra dependencies into the image venv (site Dockerfiles run it).

Reads ``[project].dependencies`` of the site's pyproject.toml. The Mortar base package
(mortar-api / mortar-web) is already in the base image: its pin must match the installed
version, or the build stops with a clear message instead of pip silently replacing the base.
The other requirements are pip-installed; none means no pip run (and no network).
Usage: python3 /usr/local/lib/mortar/site-deps.py <pyproject.toml>
"""

import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version

from pip._vendor.packaging.requirements import Requirement

BASE_PACKAGES = ("mortar-api", "mortar-web")


def main(pyproject: str) -> int:
    with open(pyproject, "rb") as f:
        deps = tomllib.load(f).get("project", {}).get("dependencies", [])
    extra = []
    for line in deps:
        req = Requirement(line)
        if req.name.lower() not in BASE_PACKAGES:
            extra.append(line)
            continue
        try:
            have = version(req.name)
        except PackageNotFoundError:
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
    if not extra:
        print("site-deps: nothing to install beyond the base image")
        return 0
    return subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *extra])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: site-deps.py <pyproject.toml>")
    sys.exit(main(sys.argv[1]))
