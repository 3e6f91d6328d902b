"""``mortar-api axes_reset``: tenant-aware (each tenant keeps its own attempts)."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

import pytest
from accounts.conftest import attempts
from conftest import subprocess_env
from django.core.management import CommandError, call_command

A_ADMIN, B_ADMIN = "admin@a.apitest.localhost", "admin@b.apitest.localhost"


def run(*args: str, **opts) -> str:
    from django.db import connection

    # The CLI starts on the public schema; in-process test requests leave a tenant set.
    connection.set_schema_to_public()
    out = StringIO()
    call_command(*args, stdout=out, **opts)
    return out.getvalue()


@pytest.fixture
def locked_out(tenant_a, tenant_b, admin_login) -> None:
    for _ in range(5):
        admin_login(tenant_a, A_ADMIN, "wrong")
        admin_login(tenant_a, "other@a.apitest.localhost", "wrong")
        admin_login(tenant_b, B_ADMIN, "wrong")


@pytest.mark.django_db
def test_reset_one_tenant_then_all(tenant_a, tenant_b, locked_out) -> None:
    out = run("axes_reset", "--schema", "apitest_b")
    assert "apitest_b: 1 attempt(s) removed" in out
    assert attempts(tenant_b) == [] and len(attempts(tenant_a)) == 2

    out = run("axes_reset", "--schema", "apitest_a", "--username", A_ADMIN)
    assert attempts(tenant_a) == [("other@a.apitest.localhost", "127.0.0.1", 5)]

    out = run("axes_reset")
    assert "apitest_a: 1 attempt(s) removed" in out and "apitest_b: 0 attempt(s)" in out
    assert attempts(tenant_a) == []


@pytest.mark.django_db
def test_reset_by_address(tenant_a, tenant_b, locked_out) -> None:
    run("axes_reset", "--ip", "192.0.2.1")
    assert len(attempts(tenant_a)) == 2
    run("axes_reset", "--ip", "127.0.0.1")
    assert attempts(tenant_a) == [] and attempts(tenant_b) == []


@pytest.mark.django_db
def test_reset_through_tenant_command(tenant_a, tenant_b, locked_out) -> None:
    from django.db import connection

    try:
        out = run("tenant_command", "axes_reset", schema_name="apitest_a")
    finally:
        connection.set_schema_to_public()
    with pytest.raises(CommandError, match="inside tenant_command"):
        try:
            run("tenant_command", "axes_reset", "--schema", "apitest_b", schema_name="apitest_a")
        finally:
            connection.set_schema_to_public()
    assert "apitest_a: 2 attempt(s) removed" in out and "apitest_b" not in out
    assert attempts(tenant_a) == [] and len(attempts(tenant_b)) == 1


@pytest.mark.django_db
def test_bad_input(tenant_a) -> None:
    with pytest.raises(CommandError, match="no such tenant: nope"):
        run("axes_reset", "--schema", "nope")
    with pytest.raises(CommandError, match="not an IP address"):
        run("axes_reset", "--ip", "300.1.1.1")


def test_the_documented_cli_invocation(committed_db) -> None:
    # `mortar-api axes_reset` (what `mortar site manage <dir> axes_reset` runs): this
    # command, not axes' own, which would look for the attempts in the public schema.
    proc = subprocess.run(
        [sys.executable, "-m", "mortar_api.manage", "axes_reset", "--schema", "apitest_a"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("apitest_a: ")
