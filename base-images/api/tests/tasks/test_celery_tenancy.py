"""Celery tasks run in the tenant of their sender, through a real worker and Redis."""

import secrets
import time
import uuid

import pytest
import redis
from conftest import (
    admin_redis,
    redis_prefix,
    start_worker,
    stop_worker,
    subprocess_env,
    wait_for_worker,
)
from django.conf import settings
from django_tenants.utils import schema_context
from mortar_api.celery import app
from mortar_api.tenancy import periodic
from mortar_api.tenancy.tasks import whoami

pytestmark = pytest.mark.worker


def test_tasks_run_in_the_senders_tenant(celery_worker, committed_db):
    token = uuid.uuid4().hex
    results = {}
    for schema in ("apitest_a", "apitest_b", "public"):
        with schema_context(schema):
            results[schema] = whoami.delay(f"{token}-{schema}")
    for schema, result in results.items():
        assert result.get(timeout=60) == {"schema": schema}
    # the task's cache write is tenant-aware too: each lands under its own schema
    r, prefix = admin_redis(), redis_prefix()
    for schema in ("apitest_a", "apitest_b"):
        key = f"{prefix}:cache:{schema}:1:whoami:{token}-{schema}"
        assert r.exists(key), key
        r.delete(key)
    r.delete(f"{prefix}:cache:public:1:whoami:{token}-public")


def test_run_for_each_tenant_fans_out(celery_worker, committed_db, make_tenant):
    extra = make_tenant()
    token = uuid.uuid4().hex
    sent = app.send_task(
        periodic.FOR_EACH_TENANT,
        kwargs={"task_name": "mortar_api.tenancy.tasks.whoami", "kwargs": {"token": token}},
    )
    assert sent.get(timeout=60) >= 3
    r, prefix = admin_redis(), redis_prefix()
    expected = {"apitest_a", "apitest_b", extra.schema_name}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = {
            k.decode().split(":")[2] for k in r.scan_iter(f"{prefix}:cache:*:1:whoami:{token}")
        }
        if found >= expected:
            break
        time.sleep(0.2)
    assert found == expected  # every tenant once; never the template or public
    for k in r.scan_iter(f"{prefix}:cache:*:1:whoami:{token}"):
        r.delete(k)


def test_worker_under_the_sites_redis_acl(committed_db, tmp_path):
    """The site's production Redis ACL (keys and channels only under the prefix) suffices:
    broker, results and the task's cache writes all stay inside ``<prefix>:``."""
    from mortar_infra.provision import redis_acl_rules

    prefix = redis_prefix()
    user, password = f"{prefix}_acl_{uuid.uuid4().hex[:6]}", secrets.token_hex(16)
    admin = admin_redis()
    admin.execute_command("ACL", "SETUSER", user, *redis_acl_rules(prefix, password))
    server = redis.Redis.from_url(settings.REDIS_URL).connection_pool.connection_kwargs
    acl_url = f"redis://{user}:{password}@{server['host']}:{server['port']}/0"
    queue = f"acl-{uuid.uuid4().hex[:6]}"
    worker = start_worker(
        tmp_path, subprocess_env(MORTAR_TEST_REDIS_URL=acl_url), name="acl", queues=queue
    )
    try:
        with pytest.raises(redis.exceptions.NoPermissionError):
            redis.Redis.from_url(acl_url).set("someone_else:key", "1")
        wait_for_worker(worker, queue=queue)
        token = uuid.uuid4().hex
        with schema_context("apitest_b"):
            result = whoami.apply_async(kwargs={"token": token}, queue=queue)
        assert result.get(timeout=90) == {"schema": "apitest_b"}
        assert admin.delete(f"{prefix}:cache:apitest_b:1:whoami:{token}") == 1
        log = worker.output()
        assert "NOPERM" not in log and "NoPermission" not in log, log[-3000:]
    finally:
        stop_worker(worker)
        admin.execute_command("ACL", "DELUSER", user)
    assert settings.MORTAR_REDIS_PREFIX == prefix


def test_periodic_tasks_exist_after_migrate(committed_db):
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    name = f"apitest periodic {uuid.uuid4().hex[:6]}"
    periodic.register(name, "mortar_api.tenancy.tasks.whoami", every_seconds=60, per_tenant=True)
    try:
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        row = PeriodicTask.objects.get(name=name)
        assert row.task == periodic.FOR_EACH_TENANT
        assert row.interval.every == 60
        # an operator's "disabled" survives the next migrate
        row.enabled = False
        row.save()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        assert PeriodicTask.objects.get(name=name).enabled is False
    finally:
        periodic._registry.pop(name, None)
        PeriodicTask.objects.filter(name=name).delete()


def test_periodic_register_rejects_bad_specs():
    with pytest.raises(ValueError, match="exactly one"):
        periodic.register("x", "t")
    with pytest.raises(ValueError, match="exactly one"):
        periodic.register("x", "t", every_seconds=5, crontab={"minute": "1"})
    with pytest.raises(ValueError, match=">= 1"):
        periodic.register("x", "t", every_seconds=0)
    assert "x" not in {s.name for s in periodic.registered()}
