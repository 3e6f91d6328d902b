"""Tasks whose effect is asserted through a real Celery worker (tests/conftest.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

pytestmark = pytest.mark.worker


def wait_until(check: Callable[[], object], timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def send_in(tenant, task: str, **kwargs):
    """Send a task from the tenant's schema (tenant-schemas-celery carries the schema)."""
    from django_tenants.utils import tenant_context
    from mortar_api.celery import app

    with tenant_context(tenant):
        return app.send_task(task, kwargs=kwargs)


def test_periodic_rows_exist_after_migrate(committed_db) -> None:
    from django_celery_beat.models import PeriodicTask
    from django_tenants.utils import schema_context

    with schema_context("public"):
        rows = {t.name: t for t in PeriodicTask.objects.filter(name__startswith="cms: ")}
    assert set(rows) == {
        "cms: publish scheduled pages", "cms: drain outbox", "cms: nightly cleanup"
    }  # fmt: skip
    assert rows["cms: drain outbox"].interval.every == 60
    publish = rows["cms: publish scheduled pages"]
    assert publish.interval.every == 60 and publish.enabled
    assert json.loads(publish.kwargs)["task_name"] == "mortar_api.cms.tasks.publish_scheduled_pages"
    assert rows["cms: nightly cleanup"].crontab.hour == "3"


def test_scheduled_page_appears_and_disappears(
    celery_worker, committed_db, tenant_a, tenant_b, client_for, clear_cache
) -> None:
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask
    from django_tenants.utils import schema_context, tenant_context
    from mortar_api.celery import app
    from mortar_api.cms.models import Page

    clear_cache()
    now = timezone.now()
    with tenant_context(tenant_a):
        soon = Page(title="Launch", slug="wk-launch", publish_at=now + timedelta(seconds=2))
        soon.save()
        ending = Page(
            title="Sale",
            slug="wk-sale",
            status="published",
            unpublish_at=now + timedelta(seconds=2),
        )
        ending.save()
        later = Page(title="Next year", slug="wk-later", publish_at=now + timedelta(days=365))
        later.save()
    try:
        public = client_for(tenant_a)
        assert public.get("/api/v1/pages/wk-launch/").status_code == 404
        assert public.get("/api/v1/pages/wk-sale/").status_code == 200

        time.sleep(max(0.0, (now + timedelta(seconds=2.2) - timezone.now()).total_seconds()))
        # Exactly what beat sends every minute: the row's task with the row's kwargs.
        with schema_context("public"):
            row = PeriodicTask.objects.get(name="cms: publish scheduled pages")
        app.send_task(row.task, kwargs=json.loads(row.kwargs))
        wait_until(
            lambda: public.get("/api/v1/pages/wk-launch/").status_code == 200,
            what="scheduled page to appear",
        )
        wait_until(
            lambda: public.get("/api/v1/pages/wk-sale/").status_code == 404,
            what="expired page to disappear",
        )
        with tenant_context(tenant_a):
            soon.refresh_from_db()
            assert soon.publish_at is None and soon.published_at is not None
        # A run in the tenant's schema reports nothing left to do; next year's page waits.
        again = send_in(tenant_a, "mortar_api.cms.tasks.publish_scheduled_pages").get(timeout=60)
        assert again == {"published": [], "unpublished": []}
        assert public.get("/api/v1/pages/wk-later/").status_code == 404
        assert client_for(tenant_b).get("/api/v1/pages/wk-launch/").status_code == 404
    finally:
        with tenant_context(tenant_a):
            Page.objects.filter(slug__startswith="wk-").delete()


def test_contact_stored_then_emailed_by_worker(
    celery_worker, committed_db, tenant_a, client_for, clear_cache
) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import ContactSubmission, SiteSettings

    clear_cache()
    with tenant_context(tenant_a):
        SiteSettings.objects.update_or_create(
            pk=1, defaults={"contact_email": "office@a.test", "site_name": "A"}
        )
    try:
        resp = client_for(tenant_a).post(
            "/api/v1/contact/?lang=ar",
            {
                "name": "Rana",
                "email": "rana@x.test",
                "subject": "Hi",
                "message": "worker-mail-check",
            },
            content_type="application/json",
        )
        assert resp.status_code == 201, resp.json()
        sub_id = resp.json()["id"]

        def emailed() -> bool:
            with tenant_context(tenant_a):
                return ContactSubmission.objects.filter(
                    pk=sub_id, emailed_at__isnull=False
                ).exists()

        wait_until(emailed, what="contact email task")
        out = wait_until(
            lambda: "worker-mail-check" in celery_worker.output() and celery_worker.output()
        )
        assert "To: office@a.test" in out and "Subject: [A] Hi" in out
        with tenant_context(tenant_a):
            assert ContactSubmission.objects.get(pk=sub_id).language == "ar"
    finally:
        with tenant_context(tenant_a):
            ContactSubmission.objects.all().delete()
            SiteSettings.objects.all().delete()
