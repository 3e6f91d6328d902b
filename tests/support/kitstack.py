"""The kit's native shared stack and generated sites, driven through the real CLIs.

Shared by the tiers that bring sites up (tests/e2e, tests/contract): the stack runs on a
temp MORTAR_HOME and a free port with the real `mortar` CLI, sites are generated with the
real `cookiecutter`. Importable as `kitstack` (the root pytest config puts tests/support on
the path).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import requests

KIT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# How long the shared nginx may keep serving a page after a publish: web's default max-age
# (MORTAR_WEB_HTTP_MAX_AGE, 5 s), plus under a second (nginx's cache clock counts whole
# seconds), plus a margin for a loaded machine.
EDGE_BOUND = 7.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SiteLike(Protocol):
    slug: str
    dir: Path


class Stack:
    def __init__(self, home: Path, port: int):
        self.home, self.port = home, port
        self.env = {
            **os.environ,
            "MORTAR_HOME": str(home),
            "MORTAR_HTTP_PORT": str(port),
            # base venvs (wheels of this kit) are reused between runs; keyed by source hash
            "MORTAR_BASE_VENVS": str(KIT / "test-artifacts" / "base-venvs"),
            "HOME": str(home),
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def mortar(self, *args: str, check: bool = True, timeout: int = 600, input: str = ""):
        proc = subprocess.run(
            [str(BIN / "mortar"), *args], env=self.env, capture_output=True, text=True,
            timeout=timeout, input=input,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"mortar {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def get(self, host: str, path: str) -> requests.Response:
        url = f"http://127.0.0.1:{self.port}{path}"
        return requests.get(url, headers={"Host": host}, timeout=15)

    def get_fresh(
        self, host: str, path: str, fresh: Callable[[requests.Response], bool]
    ) -> requests.Response:
        """GET until `fresh(response)` holds or EDGE_BOUND has passed; the last response.

        For a page read before a change: the edge may serve its copy for up to max-age."""
        deadline = time.monotonic() + EDGE_BOUND
        while True:
            response = self.get(host, path)
            if fresh(response) or time.monotonic() > deadline:
                return response
            time.sleep(0.25)

    def spawn(self, out: Path, **answers: str) -> Path:
        args = [f"{k}={v}" for k, v in answers.items()]
        proc = subprocess.run(
            [str(BIN / "cookiecutter"), str(KIT), "--no-input", "-o", str(out), *args],
            env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return out / answers["site_slug"]

    def site_python(self, site: SiteLike, *args: str, env: dict | None = None):
        """Run the site venv's python with the site's settings (a script, a -c, a -m)."""
        py = site.dir / ".venv" / "bin" / "python"
        full = {
            **self.env,
            "MORTAR_ENV_FILE": str(site.dir / ".env"),
            "DJANGO_SETTINGS_MODULE": f"{site.slug}_api.settings",
            "MORTAR_BASE_DIR": str(site.dir),
            **(env or {}),
        }
        return subprocess.run(
            [str(py), *args], cwd=site.dir, env=full, capture_output=True, text=True, timeout=600
        )
