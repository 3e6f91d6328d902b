"""Helpers for the shared-stack tier (imported by its tests and conftest)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mortar_infra.envfile import update_env
from mortar_infra.manifest import Site
from mortar_infra.provision import deprovision

MORTAR = str(Path(sys.executable).with_name("mortar"))
PG_ADMIN = (
    os.environ.get("MORTAR_POSTGRES_ADMIN_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_ADMIN = os.environ.get("MORTAR_REDIS_ADMIN_URL") or "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def mortar_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    home = tmp_path / "home"
    monkeypatch.setenv("MORTAR_HOME", str(home))
    monkeypatch.setenv("MORTAR_HTTP_PORT", str(free_port()))
    monkeypatch.setenv("MORTAR_POSTGRES_ADMIN_URL", PG_ADMIN)
    monkeypatch.setenv("MORTAR_REDIS_ADMIN_URL", REDIS_ADMIN)
    return dict(os.environ)


def mortar(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI with the test's environment."""
    return subprocess.run([MORTAR, *args], capture_output=True, text=True, input=input, timeout=120)


def ok(res: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert res.returncode == 0, f"rc={res.returncode}\nstdout={res.stdout}\nstderr={res.stderr}"
    return res


@pytest.fixture
def stack() -> Iterator[int]:
    """`mortar infra up` (nginx on the test's port); `infra down` afterwards. Yields the port."""
    ok(mortar("infra", "up"))
    yield int(os.environ["MORTAR_HTTP_PORT"])
    mortar("infra", "down")


def write_site(
    root: Path,
    slug: str,
    domains: list[str],
    api_port: int | None = None,
    web_port: int | None = None,
    body: str | None = None,
) -> Path:
    site_dir = root / slug
    site_dir.mkdir(parents=True, exist_ok=True)
    text = (
        f'[site]\nslug = "{slug}"\nname = "Site {slug}"\n'
        f'domains = {json.dumps(domains)}\nmortar_version = "1.0.0"\n'
    )
    if api_port:
        text += f"\n[native]\napi_port = {api_port}\nweb_port = {web_port}\n"
    if body:
        text += f'\n[nginx]\nclient_max_body_size = "{body}"\n'
    (site_dir / "mortar.toml").write_text(text)
    return site_dir


class Upstream:
    """A tiny HTTP server standing in for a site's api or web; echoes what it received."""

    def __init__(self, name: str) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # echoes how many bytes arrived
                size = len(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                body = json.dumps({"upstream": outer.name, "received": size}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                outer.hits.append(self.path)
                if self.path.startswith("/slow"):
                    time.sleep(0.5)
                pad = "x" * 4000 if self.path.startswith("/big") else ""
                pad = "y" * 2_000_000 if self.path.startswith("/huge") else pad
                body = json.dumps(
                    {
                        "pad": pad,
                        "upstream": outer.name,
                        "path": self.path,
                        "host": self.headers.get("Host"),
                        "xff": self.headers.get("X-Forwarded-For"),
                        "proto": self.headers.get("X-Forwarded-Proto"),
                        "fwd_host": self.headers.get("X-Forwarded-Host"),
                        "version": outer.version,
                        "n": len(outer.hits),
                    }
                ).encode()
                kind = "application/json"
                if self.path.endswith(".html"):  # a page with an inline import map (the admin's)
                    kind, body = "text/html", b'<script type="importmap">{}</script>' + body
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in outer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_TRACE(self) -> None:  # what a Django site answers
                body = json.dumps({"upstream": outer.name, "path": self.path}).encode()
                self.send_response(405)
                self.send_header("Allow", "GET, HEAD, OPTIONS")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.name = name
        self.stopped = False
        # What the edge-cache tests control: extra answer headers (e.g. Cache-Control), the
        # content version a "publish" changes, and every GET path that reached this server.
        self.headers: dict[str, str] = {}
        self.version = 1
        self.hits: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstreams() -> Iterator[dict[str, Upstream]]:
    made: dict[str, Upstream] = {}

    class Factory(dict):
        def __missing__(self, name: str) -> Upstream:
            made[name] = self[name] = Upstream(name)
            return made[name]

    yield Factory()  # type: ignore[misc]
    for u in made.values():
        try:
            u.stop()
        except OSError:
            pass


def get(port: int, host: str, path: str = "/") -> tuple[int, dict | str]:
    """GET through nginx with a Host header; raises if nginx closes the connection."""
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        raw = resp.read().decode()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, raw
    finally:
        conn.close()


API_TESTS = Path(__file__).resolve().parents[2] / "base-images" / "api" / "tests"
SETTINGS = "from mortar_api.settings import *  # noqa: F403\n"


def standin_site(
    root: Path, slug: str, domains: list[str], settings: str = SETTINGS, **env: str
) -> Path:
    """A provisioned, migrated site without a spawned repo: its settings module, its celery
    app, and a site venv that is the kit's python (a stand-in: no venv build, no processes).
    Its media under `root/media`; `env` adds .env lines."""
    site_dir = write_site(root, slug, domains)
    drop_site_objects(slug)  # what an interrupted earlier run left (its tenants would clash)
    ok(mortar("site", "provision", str(site_dir)))
    update_env(
        site_dir / ".env",
        {
            "SECRET_KEY": f"{slug}-" + "s" * 60,
            "MORTAR_REDIS_PREFIX": slug,
            "MEDIA_ROOT": str(root / "media"),
            "MORTAR_HTTPS": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            **env,
        },
    )
    pkg = site_dir / f"{slug}_api"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(settings)
    (pkg / "celery.py").write_text(
        f"from mortar_api.celery import create_app\n\napp = create_app('{slug}_api')\n"
    )
    python = site_dir / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexport PYTHONPATH={API_TESTS}\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    ok(mortar("site", "manage", str(site_dir), "migrate_tenants", "-v0"))
    return site_dir


def drop_site_objects(slug: str) -> None:
    """Remove whatever a test provisioned for `slug`, even if the test failed midway.

    mortar_infra's own deprovision (the autouse `mortar_env` points it at the test servers).
    """
    deprovision(Site(slug=slug, name=slug, domains=[], mortar_version="", api_port=0, web_port=0))


@pytest.fixture
def cleanup_slugs() -> Iterator[list[str]]:
    slugs: list[str] = []
    yield slugs
    for slug in slugs:
        drop_site_objects(slug)
