"""Shared fixtures of the api-base tests (helper fixtures for tests/cms etc. live here too).

Real PostgreSQL (database from ``mortar_test_settings``) and Redis. Two tenants exist for
the whole session, created by cloning like production:

* ``tenant_a``: schema ``apitest_a``, domains ``a.apitest.localhost``, ``www.a.apitest.localhost``
* ``tenant_b``: schema ``apitest_b``, domain ``b.apitest.localhost``

each with an admin ``admin@<domain>`` / ``ADMIN_PASSWORD``.

Rules: ``@pytest.mark.django_db`` tests run in a rolled-back transaction (in-process
requests). Work a subprocess (Celery worker, gunicorn) must see needs ``committed_db`` and
cleans up after itself. Never use ``transactional_db`` (its flush would delete the
tenants) and never ``cache.clear()`` (Redis FLUSHDB hits every prefix): use ``clear_cache``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

TESTS_DIR = Path(__file__).resolve().parent
ADMIN_PASSWORD = "apitest-admin-pw"
TENANTS = {
    "a": ("apitest_a", ["a.apitest.localhost", "www.a.apitest.localhost"]),
    "b": ("apitest_b", ["b.apitest.localhost"]),
}


def redis_prefix() -> str:
    from django.conf import settings

    return settings.MORTAR_REDIS_PREFIX


def admin_redis() -> redis.Redis:
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL)


def delete_prefixed(pattern: str) -> int:
    """Delete keys matching ``pattern`` (always inside this run's prefix)."""
    assert pattern.startswith(redis_prefix() + ":")
    client = admin_redis()
    keys = list(client.scan_iter(pattern, count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for a subprocess that must share this run's settings and database."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = "mortar_test_settings"
    env.update(extra)
    return env


@pytest.fixture(scope="session", autouse=True)
def _tenant_hosts(django_test_environment: None) -> None:
    # pytest-django's setup replaced ALLOWED_HOSTS by a plain list; restore the tenant-aware one.
    from django.conf import settings
    from mortar_api.tenancy.hosts import TenantAllowedHosts

    settings.ALLOWED_HOSTS = TenantAllowedHosts(["testserver"])


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest, django_test_environment: None, django_db_blocker
) -> Iterator[None]:
    """The test database (always, also for tests using only ``committed_db``) plus the two
    session tenants, cloned from the template like production."""
    from django.test.utils import setup_databases, teardown_databases
    from mortar_api.tenancy.provisioning import create_tenant, ensure_template

    delete_prefixed(f"{redis_prefix()}:*")
    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        ensure_template()
        for schema, domains in TENANTS.values():
            create_tenant(
                schema,
                domains,
                name=schema,
                admin_email=f"admin@{domains[0]}",
                admin_password=ADMIN_PASSWORD,
                welcome=False,  # tests build their content from empty (tests/tenancy: welcome)
            )
    yield
    with django_db_blocker.unblock():
        teardown_databases(db_cfg, verbosity=0)
    delete_prefixed(f"{redis_prefix()}:*")
    shutil.rmtree(os.environ.get("MORTAR_TEST_MEDIA_ROOT", "/nonexistent"), ignore_errors=True)


def _get_tenant(key: str, django_db_blocker):
    from mortar_api.tenancy.models import Tenant

    with django_db_blocker.unblock():
        return Tenant.objects.get(schema_name=TENANTS[key][0])


@pytest.fixture(scope="session")
def tenant_a(django_db_setup: None, django_db_blocker):
    return _get_tenant("a", django_db_blocker)


@pytest.fixture(scope="session")
def tenant_b(django_db_setup: None, django_db_blocker):
    return _get_tenant("b", django_db_blocker)


def domain_of(tenant) -> str:
    return tenant.domains.order_by("-is_primary", "domain").first().domain


@pytest.fixture
def client_for() -> Callable:
    """``client_for(tenant)`` -> a Django test Client whose Host is the tenant's domain."""
    from django.test import Client

    def make(tenant, **kwargs) -> Client:
        return Client(HTTP_HOST=domain_of(tenant), **kwargs)

    return make


@pytest.fixture
def in_tenant() -> Callable:
    """``with in_tenant(tenant): ...`` runs ORM code in the tenant's schema."""
    from django_tenants.utils import tenant_context

    return tenant_context


@pytest.fixture
def editor_client(client_for: Callable) -> Callable:
    """``editor_client(tenant)`` -> a Client sending the tenant admin's API token."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    def make(tenant):
        with tenant_context(tenant):
            user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            token, _ = Token.objects.get_or_create(user=user)
        return client_for(tenant, HTTP_AUTHORIZATION=f"Token {token.key}")

    return make


@pytest.fixture
def committed_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """DB access without a wrapping transaction: writes are visible to subprocesses."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def clear_cache() -> Callable[[], int]:
    """Delete this run's Django cache keys (``<prefix>:cache:*``) only."""
    return lambda: delete_prefixed(f"{redis_prefix()}:cache:*")


@pytest.fixture
def make_tenant(committed_db: None) -> Iterator[Callable]:
    """``make_tenant(domains=[...])`` -> a fresh cloned tenant, removed after the test."""
    from mortar_api.tenancy.provisioning import create_tenant, delete_tenant

    made: list[str] = []

    def make(domains: list[str] | None = None, **kwargs):
        schema = f"apitest_t{uuid.uuid4().hex[:8]}"
        domains = domains or [f"{schema.replace('_', '-')}.apitest.localhost"]
        created = create_tenant(schema, domains, **kwargs)
        made.append(schema)
        return created.tenant

    yield make
    for schema in made:
        delete_tenant(schema)


class Worker:
    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc, self.log = proc, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(
    tmp: Path, env: dict[str, str], name: str = "w", queues: str | None = None
) -> Worker:
    """A real ``celery worker`` subprocess of mortar_api.celery, ready when it answers a task."""
    log = tmp / f"worker-{name}.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mortar_api.celery",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
            "-n",
            f"{name}@apitest",
            *(["-Q", queues] if queues else []),
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=tmp,
    )
    return Worker(proc, log)


def stop_worker(worker: Worker) -> None:
    worker.proc.terminate()
    try:
        worker.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.proc.kill()
        worker.proc.wait()


def wait_for_worker(worker: Worker, timeout: float = 90, queue: str | None = None) -> None:
    from mortar_api.celery import app

    deadline = time.monotonic() + timeout
    result = app.send_task("mortar_api.tenancy.tasks.whoami", queue=queue)
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{worker.output()[-3000:]}")
        if result.ready():
            result.get(timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"celery worker not ready in {timeout}s:\n{worker.output()[-3000:]}")


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One real Celery worker for the session (same settings, DB and Redis prefix)."""
    worker = start_worker(tmp_path_factory.mktemp("celery"), subprocess_env())
    try:
        wait_for_worker(worker)
        yield worker
    finally:
        stop_worker(worker)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, host: str) -> tuple[int, str]:
    """GET through a real server on loopback with a Host header: (status, body text)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def start_api_server(tmp: Path, **env: str) -> tuple[subprocess.Popen, int]:
    """`python -m mortar_api.run api` (one gunicorn worker unless `GUNICORN_WORKERS`) on a
    free port, ready when its /health/ answers; `env` on top of this run's settings. Stop it
    with `stop_process`."""
    port = free_port()
    log = tmp / f"gunicorn-{port}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mortar_api.run", "api"],
        env=subprocess_env(HOST="127.0.0.1", PORT=str(port), **{"GUNICORN_WORKERS": "1", **env}),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            if http_get(port, "/health/", "127.0.0.1")[0] == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    stop_process(proc)
    raise RuntimeError(f"gunicorn not ready:\n{log.read_text()}")


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
