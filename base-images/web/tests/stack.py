"""A real api-base + web-base pair on loopback, for the web tests and the benchmark.

Creates a PostgreSQL database, migrates it with the api's own commands, adds
tenants with `mortar-api add_tenant`, writes content through the api's models
(api_script.py), then runs the api and web under gunicorn on free ports.
Everything it creates (database, `<prefix>:*` Redis keys, temp dirs, processes)
is removed by `close()`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import redis
import requests

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# The superuser URL minus its database: the admin URL scripts/run-tests exports (the machine's
# server on loopback, or the kit's private one on a machine that has none).
PG = (
    os.environ.get("MORTAR_POSTGRES_ADMIN_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
).rsplit("/", 1)[0]
REDIS_URL = os.environ.get("MORTAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_netloc() -> str:
    """host:port of the test Redis (for URLs with another user)."""
    parts = urlsplit(REDIS_URL)
    return f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
    )


def wait_http(url: str, timeout: float = 60.0, headers: dict | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2, headers=headers or {})
            return
        except requests.RequestException as exc:
            last = exc
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout}s: {last}")


class Stack:
    def __init__(self, name: str, tenants: dict[str, list[str]], languages: str = "en,ar") -> None:
        self.name = name  # database "mortar_<name>", Redis prefix "<name>"
        self.db = f"mortar_{name}"
        self.prefix = name
        self.tenants = tenants  # schema -> domains
        self.languages = languages
        self.tmp = Path(tempfile.mkdtemp(prefix=f"mortar-{name}-"))
        self.api_port = free_port()
        self.web_port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.secret = "web-test-secret-" + os.urandom(16).hex()

    # --- environments -------------------------------------------------------------------
    def api_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MORTAR_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="mortar_api.settings",
            SECRET_KEY=self.secret,
            DATABASE_URL=f"{PG}/{self.db}",
            REDIS_URL=REDIS_URL,
            MORTAR_REDIS_PREFIX=self.prefix,
            MORTAR_SITE_SLUG=self.prefix,
            MORTAR_LANGUAGES=self.languages,
            MORTAR_HTTPS="false",
            MORTAR_CELERY_EAGER="true",
            DJANGO_DEBUG="false",
            EMAIL_URL="consolemail://",
            MEDIA_ROOT=str(self.tmp / "media"),
            STATIC_ROOT=str(self.tmp / "api-static"),
            MORTAR_BASE_DIR=str(self.tmp),
            DJANGO_LOG_LEVEL="WARNING",
        )
        return env

    def web_env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MORTAR_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="mortar_web.settings",
            SECRET_KEY=self.secret,
            REDIS_URL=REDIS_URL,
            MORTAR_REDIS_PREFIX=self.prefix,
            MORTAR_LANGUAGES=self.languages,
            MORTAR_API_URL=f"http://127.0.0.1:{self.api_port}",
            MORTAR_WEB_STATIC_ROOT=str(self.tmp / "web-assets"),
            MORTAR_HTTPS="false",
            DJANGO_DEBUG="false",
            DJANGO_LOG_LEVEL="WARNING",
        )
        env.update(extra)
        return env

    # --- api side -----------------------------------------------------------------------
    def _run_api(self, argv: list[str], what: str, timeout: int) -> str:
        """Run a command in the api's environment; its stdout, or RuntimeError with the output."""
        out = subprocess.run(
            argv, env=self.api_env(), cwd=self.tmp, capture_output=True, text=True, timeout=timeout
        )
        if out.returncode:
            raise RuntimeError(f"{what} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def manage_api(self, *args: str) -> str:
        return self._run_api(
            [str(BIN / "mortar-api"), *args], f"mortar-api {' '.join(args)}", timeout=600
        )

    def api_script(self, command: str, **kwargs: object) -> dict:
        argv = [sys.executable, str(HERE / "api_script.py"), command, json.dumps(kwargs)]
        out = self._run_api(argv, f"api_script {command}", timeout=120)
        return json.loads(out.strip().splitlines()[-1])

    def _gunicorn(self, role: str, app: str, port: int, env: dict[str, str], workers: int) -> None:
        log = open(self.tmp / f"{role}.log", "ab")
        proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                # as the images and the Procfile run it: the metrics hooks (off without a port)
                "--config",
                f"python:{app.split('.')[0]}.gunicorn_conf",
            ],
            env=env,
            cwd=self.tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[role] = proc

    def start_api(self, workers: int = 2) -> None:
        # the admin's static files (prose editor, chooser) are served by whitenoise from here
        self.manage_api("collectstatic", "--noinput", "-v0")
        self._gunicorn("api", "mortar_api.wsgi:application", self.api_port, self.api_env(), workers)
        wait_http(f"http://127.0.0.1:{self.api_port}/health/")

    def stop(self, role: str) -> None:
        proc = self.procs.pop(role, None)
        if proc is None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    # --- web side -----------------------------------------------------------------------
    def start_web(self, workers: int = 2, port: int | None = None, **env: str) -> str:
        """Start web's gunicorn; returns its base URL. `env` overrides settings."""
        role = f"web-{port}" if port else "web"
        port = port or self.web_port
        web_env = self.web_env(**env)
        subprocess.run(
            [str(BIN / "mortar-web"), "collectstatic", "--noinput", "-v0"],
            env=web_env,
            cwd=self.tmp,
            check=True,
        )
        self._gunicorn(role, "mortar_web.wsgi:application", port, web_env, workers)
        wait_http(f"http://127.0.0.1:{port}/health/")
        return f"http://127.0.0.1:{port}"

    # --- lifecycle ----------------------------------------------------------------------
    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(REDIS_URL)

    def clear_redis(self) -> None:
        client = self.redis()
        keys = list(client.scan_iter(f"{self.prefix}:*", count=1000))
        if keys:
            client.delete(*keys)

    def setup(self) -> None:
        self.clear_redis()
        psql(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{self.db}"')
        self.manage_api("migrate_tenants", "-v0")
        for schema, domains in self.tenants.items():
            args = [
                "add_tenant",
                "--schema",
                schema,
                "--name",
                schema,
                "--admin-email",
                f"admin@{domains[0]}",
                "--empty",  # api_script.py writes every piece of content itself
            ]
            for domain in domains:
                args += ["--domain", domain]
            self.manage_api(*args, "--admin-password", "web-test-admin-pw")

    def close(self) -> None:
        for role in list(self.procs):
            self.stop(role)
        try:
            self.clear_redis()
        finally:
            try:
                psql(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            finally:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in self.tmp.glob("*.log")
        )
