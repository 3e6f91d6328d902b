"""Private servers the fault tests own and stop/start: never the machine's shared Redis
(6379) or PostgreSQL (5432), which every other test and helper uses."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from conftest import free_port


class PrivateRedis:
    """A ``redis-server --save ''`` on a free loopback port (nothing survives a restart)."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = free_port(), workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed (bash scripts/install-system-deps)")
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [server, *args, "--dir", str(self.workdir)],
            stdout=(self.workdir / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"private redis on {self.port} did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _reset_celery_pools(app) -> None:
    app._pool = None  # what Celery's own _after_fork resets: the next send reconnects
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def dead_redis_url() -> str:
    """A loopback port nothing listens on: Redis, from the app's side, is down."""
    return f"redis://127.0.0.1:{free_port()}/0"


@contextmanager
def redis_at(url: str) -> Iterator[None]:
    """Cache, ``REDIS_URL`` and the Celery broker of this process on ``url``."""
    from django.conf import settings
    from django.test import override_settings
    from mortar_api.celery import app

    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    old_broker = app.conf.broker_url
    with override_settings(CACHES=caches, REDIS_URL=url):
        app.conf.broker_url = url
        _reset_celery_pools(app)
        try:
            yield
        finally:
            app.conf.broker_url = old_broker
            _reset_celery_pools(app)


@pytest.fixture
def use_redis() -> Iterator:
    """``with use_redis(url): ...`` - this process's cache and broker on ``url``."""
    yield redis_at


@pytest.fixture
def dead_redis() -> str:
    return dead_redis_url()


class PrivatePostgres:
    """A PostgreSQL cluster of this test alone (``mortar_infra.privateservers``, the kit's
    own way of starting one), holding a copy of the test database."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.state: dict = {}

    def start(self) -> None:
        from mortar_infra import privateservers

        self.state = privateservers.start_postgres(self.state)

    def stop(self) -> None:  # fast shutdown: sessions are cut, as on a server restart
        from mortar_infra import privateservers

        privateservers.stop_postgres(self.state)

    @property
    def port(self) -> int:
        return int(self.state["port"])

    def copy_database(self, source_url: str, name: str) -> str:
        from mortar_infra.privateservers import _pg_bin

        target = f"postgresql://postgres@127.0.0.1:{self.port}"
        where = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        subprocess.run([_pg_bin("createdb"), *where, name], check=True)
        dump = subprocess.Popen([_pg_bin("pg_dump"), "-Fc", source_url], stdout=subprocess.PIPE)
        restore = subprocess.run(
            [_pg_bin("pg_restore"), "--no-owner", "-d", f"{target}/{name}"],
            stdin=dump.stdout, capture_output=True, text=True,
        )  # fmt: skip
        assert dump.wait() == 0 and restore.returncode == 0, restore.stderr[-2000:]
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture
def private_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivatePostgres]:
    import tempfile

    # Not under tmp_path: as root, pytest's folder is 0700 and PostgreSQL runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="mortar-faults-pg-"))
    monkeypatch.setenv("MORTAR_POSTGRES_DIR", str(base))
    monkeypatch.setenv("MORTAR_HOME", str(tmp_path / "home"))
    server = PrivatePostgres(base)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: writes past it fail with ENOSPC, like a full media disk."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)
