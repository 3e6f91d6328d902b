"""Tenants at scale: a site with 50 cloned tenants.

* a no-op ``migrate_tenants`` touches no schema;
* a new migration (the test app ``scale_probe``, via ``scale_probe_settings``) with one
  schema made to fail migrates the others, reports the one, exits non-zero; that tenant
  answers 503 maintenance and the others 200; a re-run after the fix completes;
* suspend / resume; ``list_tenants`` text and JSON; the beat fan-out skips inactive
  tenants; removing a tenant frees its Redis keys and beat entries.

Management commands that fork run in a subprocess (pytest should not fork).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from io import StringIO

import pytest
from conftest import admin_redis, redis_prefix, subprocess_env
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from mortar_api.tenancy import states, tasks
from mortar_api.tenancy.models import Tenant

COUNT = 50
SCHEMAS = [f"apitest_s{i:02d}" for i in range(COUNT)]


def host_of(schema: str) -> str:
    return f"{schema.replace('_', '-')}.scale.apitest.localhost"


@pytest.fixture(scope="module")
def fifty(django_db_setup: None, django_db_blocker) -> Iterator[list[str]]:
    """50 tenants cloned from the template (like production), removed afterwards, and the
    test app's tables and records removed from every schema."""
    from mortar_api.tenancy.provisioning import create_tenant, delete_tenant

    with django_db_blocker.unblock():
        for schema in SCHEMAS:
            create_tenant(schema, [host_of(schema)], welcome=False)
    yield SCHEMAS
    with django_db_blocker.unblock():
        for schema in SCHEMAS:
            delete_tenant(schema)
        forget_probe_app()


def forget_probe_app() -> None:
    """Undo ``scale_probe`` in every schema so the rest of the suite sees the base code."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM tenancy_tenant")
        for (schema,) in cursor.fetchall():
            q = f'"{schema}"'
            cursor.execute(f"DROP TABLE IF EXISTS {q}.scale_probe_probe")
            cursor.execute(f"DELETE FROM {q}.django_migrations WHERE app = 'scale_probe'")  # noqa: S608
            cursor.execute("SELECT to_regclass(%s)", [f"{q}.auth_permission"])
            if cursor.fetchone()[0]:
                cursor.execute(
                    f"DELETE FROM {q}.auth_permission WHERE content_type_id IN "  # noqa: S608
                    f"(SELECT id FROM {q}.django_content_type WHERE app_label = 'scale_probe')"
                )
                cursor.execute(
                    f"DELETE FROM {q}.django_content_type WHERE app_label = 'scale_probe'"  # noqa: S608
                )


def migrate(*args: str, probe: bool = False) -> subprocess.CompletedProcess:
    env = subprocess_env(**({"DJANGO_SETTINGS_MODULE": "scale_probe_settings"} if probe else {}))
    return subprocess.run(
        [sys.executable, "-m", "mortar_api.manage", "migrate_tenants", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def migration_rows(schemas: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f'SELECT %s, count(*) FROM "{s}".django_migrations'  # noqa: S608
                for s in schemas
            ),
            schemas,
        )
        return dict(cursor.fetchall())


def schemas_with_probe_column(schemas: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.columns WHERE table_schema = ANY(%s) "
            "AND table_name = 'scale_probe_probe' AND column_name = 'label'",
            [schemas],
        )
        return {row[0] for row in cursor.fetchall()}


def probe_permissions(schemas: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f'SELECT %s, count(*) FROM "{s}".auth_permission p JOIN '  # noqa: S608
                f'"{s}".django_content_type c ON c.id = p.content_type_id '
                "WHERE c.app_label = 'scale_probe'"
                for s in schemas
            ),
            schemas,
        )
        return dict(cursor.fetchall())


def test_schema_recorder_sees_only_its_own_schema(fifty, committed_db):
    """The runner's fast ``has_table`` answers for the connection's schema alone, as
    Django's (through django-tenants' introspection) does: public's table must not count."""
    from mortar_api.tenancy.migrate_runner import _SchemaRecorder

    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "apitest_bare"')
    try:
        for schema, expected in (("apitest_bare", False), (fifty[0], True), ("public", True)):
            connection.set_schema(schema)
            assert _SchemaRecorder(connection).has_table() is expected, schema
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute('DROP SCHEMA "apitest_bare"')


def tenant(schema: str) -> Tenant:
    return Tenant.objects.get(schema_name=schema)


def get(schema: str, path: str):
    return Client(HTTP_HOST=host_of(schema)).get(path)


def test_noop_run_touches_no_schema(fifty, committed_db):
    before = migration_rows(fifty)
    proc = migrate("--processes", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "0 migrated, 0 failed" in proc.stdout
    assert "Applying" not in proc.stdout + proc.stderr  # no executor ran for any schema
    assert "migrating:" not in proc.stderr  # the parallel runner was never started
    assert " 0 behind" in proc.stderr
    assert migration_rows(fifty) == before
    assert all(tenant(s).state == "active" for s in fifty[:3])


def test_failed_schema_is_isolated_and_a_rerun_resumes(fifty, committed_db):
    bad, good = fifty[7], [s for s in fifty if s != fifty[7]]
    with connection.cursor() as cursor:  # a conflicting object: the new migration must fail
        cursor.execute(f'CREATE TABLE "{bad}".scale_probe_probe (id int)')
    seen = Client(HTTP_HOST=host_of(bad)).get("/api/v1/site/")  # caches the tenant row
    assert seen.status_code == 200

    proc = migrate("--processes", "2", probe=True)
    assert proc.returncode == 3, proc.stdout + proc.stderr[-3000:]  # tenants failed, not public
    assert "1 failed" in proc.stdout
    assert f"failed {bad}: ProgrammingError" in proc.stdout
    assert "already exists" in proc.stdout
    assert "CommandError: 1 tenant schema(s) failed to migrate" in proc.stderr
    assert "(100%)" in proc.stderr and "/s" in proc.stderr  # progress with a rate
    assert schemas_with_probe_column(fifty) == set(good)
    # post_migrate ran in each migrated schema: the new model's permissions are there
    assert probe_permissions([good[0], good[-1], bad]) == {good[0]: 4, good[-1]: 4, bad: 0}

    failed = tenant(bad)
    assert failed.state == "maintenance" and "already exists" in failed.migration_error
    assert {t.state for t in Tenant.objects.filter(schema_name__in=good)} == {"active"}

    api = get(bad, "/api/v1/site/")  # seen at once although the row was cached
    assert api.status_code == 503
    assert api["Retry-After"] and api["Cache-Control"] == "no-store"
    assert api.json()["code"] == "tenant_maintenance"
    admin = get(bad, "/admin/login/")
    assert admin.status_code == 503 and "text/html" in admin["Content-Type"]
    assert b"Down for maintenance" in admin.content
    assert get(bad, "/health/").status_code == 200  # probes are not the tenant's
    for other in (good[0], good[-1]):
        assert get(other, "/api/v1/site/").status_code == 200
        assert get(other, "/admin/login/").status_code == 200

    rows = {r["schema"]: r for r in json.loads(run("list_tenants", "--json"))}
    assert rows[bad]["migration"] == "failed" and rows[bad]["state"] == "maintenance"

    with connection.cursor() as cursor:  # the operator fixes the cause ...
        cursor.execute(f'DROP TABLE "{bad}".scale_probe_probe')
    proc = migrate("--failed", probe=True)  # ... and re-runs only what is left
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "1 migrated, 0 failed" in proc.stdout
    fixed = tenant(bad)
    assert fixed.state == "active" and fixed.migration_error == ""
    assert schemas_with_probe_column(fifty) == set(fifty)
    assert get(bad, "/api/v1/site/").status_code == 200

    again = migrate(probe=True)
    assert again.returncode == 0 and "0 migrated, 0 failed" in again.stdout


def test_behind_tenants_are_marked_until_migrated(fifty, committed_db):
    """A schema behind the code (nothing failed yet): --only migrates just that one."""
    target = fifty[11]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM \"{target}\".django_migrations WHERE app = 'tenancy' "  # noqa: S608
            "AND name = '0002_tenant_state'"
        )
    rows = {r["schema"]: r for r in json.loads(run("list_tenants", "--json"))}
    assert rows[target]["migration"] == "behind 1" and rows[target]["behind"] == 1
    proc = migrate("--only", target)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1 migrated, 0 failed, 0 up to date" in proc.stdout
    assert tenant(target).state == "active"
    unknown = migrate("--only", "apitest_nope")
    assert unknown.returncode == 1 and "no tenant(s): apitest_nope" in unknown.stderr


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_suspend_and_resume(fifty, committed_db):
    schema = fifty[3]
    assert get(schema, "/api/v1/site/").status_code == 200  # the row is now cached
    assert "tenant apitest_s03: suspended" in run("tenant_state", schema, "suspend")
    api = get(schema, "/api/v1/site/")
    assert api.status_code == 503 and api.json()["code"] == "tenant_suspended"
    page = get(schema, "/admin/login/")
    assert page.status_code == 503 and b"Site unavailable" in page.content
    assert get(fifty[4], "/api/v1/site/").status_code == 200  # the neighbour is untouched
    assert schema not in tasks.active_schemas()
    assert tenant(schema).name == schema  # data kept
    assert "tenant apitest_s03: active" in run("tenant_state", schema, "resume")
    assert get(schema, "/api/v1/site/").status_code == 200
    assert schema in tasks.active_schemas()


def test_tenant_state_bad_input(fifty, committed_db):
    with pytest.raises(CommandError, match="no tenant 'apitest_nope'"):
        run("tenant_state", "apitest_nope", "suspend")
    with pytest.raises(CommandError, match="invalid choice"):
        run("tenant_state", fifty[0], "delete")
    with pytest.raises(CommandError, match="no tenant 'mortar_template'"):
        run("tenant_state", "mortar_template", "suspend")  # never the template
    assert tenant(fifty[0]).state == "active"


def test_list_text_and_json(fifty, committed_db):
    text = run("list_tenants").splitlines()
    assert text[0].split() == ["SCHEMA", "STATE", "MIGRATIONS", "SIZE", "DOMAINS"]
    line = next(ln for ln in text if ln.startswith(fifty[5] + " "))
    assert "active" in line and "up to date" in line and host_of(fifty[5]) in line
    assert "kB" in line or "MB" in line
    rows = json.loads(run("list_tenants", "--json"))
    row = next(r for r in rows if r["schema"] == fifty[5])
    assert row["domains"] == [host_of(fifty[5])]
    assert row["state"] == "active" and row["migration"] == "up to date"
    assert row["behind"] == 0 and row["migration_error"] == "" and row["size_bytes"] > 100_000
    assert {r["schema"] for r in rows} >= set(fifty)
    assert "mortar_template" not in {r["schema"] for r in rows}


def test_fan_out_runs_for_active_tenants_only_in_batches(
    fifty, committed_db, celery_worker, monkeypatch
):
    suspended, maintenance = fifty[20], fifty[21]
    states.set_state([suspended], Tenant.State.SUSPENDED)
    states.set_state([maintenance], Tenant.State.MAINTENANCE)
    token = uuid.uuid4().hex
    monkeypatch.setattr(tasks, "FAN_OUT_BATCH", 8)  # 50+ tenants: several batch tasks
    try:
        count = tasks.run_for_each_tenant(
            "mortar_api.tenancy.tasks.whoami", {"token": token}
        )  # in this process, as beat's worker would
        expected = set(tasks.active_schemas())
        assert count == len(expected) and suspended not in expected
        r, prefix = admin_redis(), redis_prefix()
        pattern = f"{prefix}:cache:*:1:whoami:{token}"
        deadline = time.monotonic() + 120
        found: set[str] = set()
        while time.monotonic() < deadline and found != expected:
            found = {k.decode().split(":")[2] for k in r.scan_iter(pattern, count=1000)}
            time.sleep(0.3)
        assert found == expected
        assert suspended not in found and maintenance not in found
        for key in r.scan_iter(pattern, count=1000):
            r.delete(key)
    finally:
        states.set_state([suspended, maintenance], Tenant.State.ACTIVE)


def test_remove_frees_keys_and_beat_entries(make_tenant, committed_db):
    from django.core.cache import cache
    from django_celery_beat.models import IntervalSchedule, PeriodicTask
    from django_tenants.utils import schema_context
    from mortar_api.tenancy.provisioning import create_tenant, delete_tenant

    schema = f"apitest_r{uuid.uuid4().hex[:8]}"
    doomed = create_tenant(schema, [host_of(schema)], welcome=False).tenant
    kept = make_tenant()
    r, prefix = admin_redis(), redis_prefix()
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    for t in (doomed, kept):
        host = t.domains.first().domain
        with schema_context(t.schema_name):
            cache.set("probe", "x", 300)
        r.set(f"{prefix}:cache:web:1:api:{host}:en:g0:site", "x", ex=300)
        r.set(f"{prefix}:cache:web:page:r1:http:{host}:8080:en:/", "x", ex=300)
        r.set(f"{prefix}:cache:@api:f1:http:{host}:en:0123abcd", "x", ex=300)  # early path
        r.set(f"{prefix}:gen:{host}", 3)
        PeriodicTask.objects.create(
            name=f"only {t.schema_name}",
            task="mortar_api.tenancy.tasks.whoami",
            interval=every,
            headers=json.dumps({"_schema_name": t.schema_name}),
        )

    def keys_of(t: Tenant, host: str) -> list[bytes]:
        found = list(r.scan_iter(f"{prefix}:cache:{t.schema_name}:*", count=1000))
        found += list(r.scan_iter(f"{prefix}:cache:web:*:{host}:*", count=1000))
        found += list(r.scan_iter(f"{prefix}:cache:@api:*:{host}:*", count=1000))
        return found + [k for k in [f"{prefix}:gen:{host}".encode()] if r.exists(k)]

    doomed_host, kept_host = doomed.domains.first().domain, kept.domains.first().domain
    assert len(keys_of(doomed, doomed_host)) >= 5  # ours + the api cache's own
    delete_tenant(doomed.schema_name)
    assert keys_of(doomed, doomed_host) == []
    assert not PeriodicTask.objects.filter(name=f"only {doomed.schema_name}").exists()
    # the neighbour keeps everything
    assert len(keys_of(kept, kept_host)) >= 5
    assert PeriodicTask.objects.filter(name=f"only {kept.schema_name}").exists()
    PeriodicTask.objects.filter(name=f"only {kept.schema_name}").delete()
    for key in keys_of(kept, kept_host):
        r.delete(key)
