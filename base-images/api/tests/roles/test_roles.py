"""`python -m mortar_api.run <role>`: the api role serves through real gunicorn; migrate is
idempotent and creates the first tenant; a wrong role is refused."""

import subprocess
import sys
import uuid

import pytest
from conftest import http_get, start_api_server, stop_process, subprocess_env
from django.core.management import call_command
from django_tenants.utils import schema_exists
from mortar_api.run import command_for
from mortar_api.tenancy.models import Tenant


@pytest.fixture
def api_server(committed_db, tmp_path):
    proc, port = start_api_server(tmp_path)
    yield port
    stop_process(proc)


def test_api_role_serves_tenants_through_gunicorn(api_server):
    port = api_server
    status, body = http_get(port, "/health/", f"127.0.0.1:{port}")
    assert status == 200 and '"status": "ok"' in body
    assert http_get(port, "/admin/login/", "a.apitest.localhost")[0] == 200
    status, body = http_get(port, "/admin/login/", "nobody.apitest.localhost")
    assert status == 404 and "Unknown host." in body


def test_migrate_role_is_idempotent(committed_db):
    slug = f"apitest_m{uuid.uuid4().hex[:6]}"
    domain = f"{slug.replace('_', '-')}.example"
    env = subprocess_env(MORTAR_SITE_SLUG=slug, MORTAR_DOMAINS=domain, MORTAR_ADMIN_EMAIL="o@x.io")
    try:
        for attempt in range(2):
            proc = subprocess.run(
                [sys.executable, "-m", "mortar_api.run", "migrate"],
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
            assert ("created" in proc.stdout) == (attempt == 0), proc.stdout
        tenant = Tenant.objects.get(schema_name=slug)
        assert list(tenant.domains.values_list("domain", flat=True)) == [domain]
    finally:
        call_command("remove_tenant", "--schema", slug, "--yes")
    assert not schema_exists(slug)


def test_unknown_role_is_refused():
    proc = subprocess.run(
        [sys.executable, "-m", "mortar_api.run", "web"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "usage: python -m mortar_api.run" in proc.stderr
    with pytest.raises(ValueError, match="unknown role"):
        command_for("web")


def test_role_commands(monkeypatch):
    monkeypatch.setenv("MORTAR_CELERY_APP", "acme_api.celery")
    monkeypatch.setenv("MORTAR_WSGI_APP", "acme_api.wsgi:application")
    assert command_for("api")[1:4] == ["-m", "gunicorn", "acme_api.wsgi:application"]
    worker = command_for("worker", ["-Q", "x"])
    assert worker[1:6] == ["-m", "celery", "-A", "acme_api.celery", "worker"]
    assert worker[-2:] == ["-Q", "x"]
    beat = command_for("beat")
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


@pytest.mark.parametrize(
    ("env", "pool", "concurrency"),
    [
        ({}, "threads", "2"),  # the small-site default
        ({"MORTAR_CELERY_POOL": "prefork", "CELERY_CONCURRENCY": "4"}, "prefork", "4"),
        ({"MORTAR_CELERY_POOL": "threads", "CELERY_CONCURRENCY": "8"}, "threads", "8"),
        ({"MORTAR_CELERY_POOL": "solo", "CELERY_CONCURRENCY": "8"}, "solo", None),
    ],
)
def test_worker_pool_and_concurrency_come_from_settings(monkeypatch, env, pool, concurrency):
    for name in ("MORTAR_CELERY_POOL", "CELERY_CONCURRENCY", "MORTAR_BEAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    worker = command_for("worker", ["-Q", "x"])
    assert _option(worker, "--pool") == pool
    assert _option(worker, "--concurrency") == concurrency
    assert worker[-2:] == ["-Q", "x"]  # extra arguments still win
    assert "--embedded-beat" not in worker
    monkeypatch.setenv("MORTAR_BEAT", "embedded")
    assert "--embedded-beat" in command_for("worker")


def test_api_size_comes_from_settings(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    api = command_for("api")
    assert (_option(api, "--workers"), _option(api, "--threads")) == ("1", "4")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    api = command_for("api")
    assert (_option(api, "--workers"), _option(api, "--threads")) == ("3", "1")


@pytest.mark.parametrize(
    ("name", "value", "role", "message"),
    [
        ("MORTAR_CELERY_POOL", "gevent", "worker", "MORTAR_CELERY_POOL must be one of"),
        ("CELERY_CONCURRENCY", "0", "worker", "CELERY_CONCURRENCY must be a whole number"),
        ("GUNICORN_WORKERS", "two", "api", "GUNICORN_WORKERS must be a whole number"),
        ("GUNICORN_THREADS", "-1", "api", "GUNICORN_THREADS must be a whole number"),
        ("MORTAR_BEAT", "sometimes", "worker", "MORTAR_BEAT must be one of separate, embedded"),
        # never a second scheduler beside the worker's
        ("MORTAR_BEAT", "embedded", "beat", "MORTAR_BEAT=embedded: beat runs inside the worker"),
    ],
)
def test_bad_sizing_settings_are_refused_clearly(monkeypatch, name, value, role, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        command_for(role)
    proc = subprocess.run(
        [sys.executable, "-m", "mortar_api.run", role],
        env=subprocess_env(**{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr
