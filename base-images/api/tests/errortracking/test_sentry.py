"""SENTRY_DSN turns on error reports (mortar_contract.errortracking) in every api process.

A real `python -m mortar_api.run api` (gunicorn) with SENTRY_DSN pointing at a stand-in
Sentry on loopback (tests/support/sentrysink.py) fails in a view of a tenant's request; the
envelope it posts carries the error and the site, role, release and tenant tags. A real
Celery worker does the same for a task that fails in a tenant's schema. Empty
SENTRY_DSN starts no client; a malformed one stops the process with a clear message.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import (
    domain_of,
    http_get,
    start_api_server,
    start_worker,
    stop_process,
    stop_worker,
    subprocess_env,
    wait_for_worker,
)
from django_tenants.utils import schema_context
from mortar_contract import __version__ as mortar_version
from mortar_contract.errortracking import init_sentry, release_tags
from sentrysink import SentrySink, exception_of


def test_view_error_reaches_sentry_with_site_role_release_and_tenant(
    committed_db, tenant_a, tmp_path
):
    host = domain_of(tenant_a)
    with SentrySink() as sink:
        proc, port = start_api_server(
            tmp_path,
            DJANGO_SETTINGS_MODULE="sentry_test_settings",
            SENTRY_DSN=sink.dsn,
            SITE_VERSION="2.4.0",
            SENTRY_ENVIRONMENT="staging",
        )
        try:
            assert http_get(port, "/boom/", host)[0] == 500
            event = sink.wait_for_event(lambda e: exception_of(e)[0] == "RuntimeError")
            # a request that works sends nothing
            assert http_get(port, "/health/", host)[0] == 200
        finally:
            stop_process(proc)
    assert exception_of(event) == ("RuntimeError", f"boom for {host}")
    assert event["release"] == f"apitest@2.4.0+mortar.{mortar_version}"
    assert event["environment"] == "staging"
    assert event["tags"] == event["tags"] | {
        "site": "apitest",
        "role": "api",  # set by mortar_api.run
        "mortar_version": mortar_version,
        "site_version": "2.4.0",
        "tenant_schema": tenant_a.schema_name,
        "tenant_host": host,
    }
    # no personal data by default: no cookies, no user IP
    assert "cookies" not in event.get("request", {})
    assert "ip_address" not in (event.get("user") or {})
    assert len(sink.events()) == 1


@pytest.mark.worker
def test_task_error_in_the_worker_is_reported_with_its_tenant(committed_db, tenant_a, tmp_path):
    from mortar_api.celery import app

    queue = "sentry_test"  # its own queue: the session's worker (no DSN) must not take it
    with SentrySink() as sink:
        env = subprocess_env(SENTRY_DSN=sink.dsn, MORTAR_ROLE="worker")  # as run.py sets it
        worker = start_worker(tmp_path, env, name="sentry", queues=queue)
        try:
            wait_for_worker(worker, queue=queue)
            with schema_context(tenant_a.schema_name):  # the task runs in the sender's tenant
                result = app.send_task(
                    "mortar_api.tenancy.tasks.whoami", kwargs={"bogus": 1}, queue=queue
                )
            with pytest.raises(TypeError):
                result.get(timeout=60)
            event = sink.wait_for_event(lambda e: exception_of(e)[0] == "TypeError")
        finally:
            stop_worker(worker)
    assert "bogus" in exception_of(event)[1]
    assert event["tags"] == event["tags"] | {
        "site": "apitest",
        "role": "worker",
        "tenant_schema": tenant_a.schema_name,
    }
    assert "tenant_host" not in event["tags"]  # a task has no request
    assert event["extra"]["celery-job"]["task_name"] == "mortar_api.tenancy.tasks.whoami"


def test_empty_dsn_means_off():
    assert init_sentry("api", environ={"SENTRY_DSN": ""}) is False
    assert init_sentry("api", environ={"SENTRY_DSN": "  "}) is False
    assert init_sentry("api", environ={}) is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SENTRY_DSN": "not a dsn"}, "SENTRY_DSN is not a Sentry DSN"),
        ({"SENTRY_DSN": "https://sentry.example/1"}, "Missing public key"),
        (
            {"SENTRY_DSN": "https://k@sentry.example/1", "SENTRY_TRACES_SAMPLE_RATE": "lots"},
            "SENTRY_TRACES_SAMPLE_RATE 'lots'",
        ),
        (
            {"SENTRY_DSN": "https://k@sentry.example/1", "SENTRY_TRACES_SAMPLE_RATE": "2"},
            "a number from 0 to 1",
        ),
    ],
)
def test_bad_settings_are_named_and_start_nothing(env, message):
    import sentry_sdk

    with pytest.raises(ValueError, match=message) as excinfo:
        init_sentry("api", environ=env)
    assert "k@" not in str(excinfo.value)  # the DSN's key is never echoed
    assert not sentry_sdk.get_client().is_active()


def test_a_bad_dsn_stops_the_process_with_the_message(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "mortar_api.manage", "check"],
        env=subprocess_env(SENTRY_DSN="ftp://key@sentry.example/1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "SENTRY_DSN is not a Sentry DSN (Unsupported scheme 'ftp')" in proc.stderr
    assert "key@" not in proc.stderr


def test_release_without_site_version_uses_the_package_or_dev():
    release, tags = release_tags({"MORTAR_SITE_SLUG": "acme", "MORTAR_VERSION": "9.1.0"}, "beat")
    assert release == "acme@dev+mortar.9.1.0"
    assert tags == {
        "site": "acme", "role": "beat", "mortar_version": "9.1.0", "site_version": "dev"
    }  # fmt: skip
