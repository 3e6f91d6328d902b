"""Publishing a page POSTs a signed event; failures are retried with backoff by the worker."""

from __future__ import annotations

import json
import time

import pytest
from mortar_api.webhooks.signing import verify

pytestmark = pytest.mark.worker


def _wait(check, timeout: float = 45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def tenant_a_editor(tenant_a, client_for):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    with tenant_context(tenant_a):
        user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        token, _ = Token.objects.get_or_create(user=user)
    return client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {token.key}")


def _deliveries(tenant):
    from django_tenants.utils import tenant_context
    from mortar_api.webhooks.models import WebhookDelivery

    with tenant_context(tenant):
        return list(WebhookDelivery.objects.order_by("pk").values())


def _cleanup(tenant) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import Page
    from mortar_api.webhooks.models import Webhook

    with tenant_context(tenant):
        Webhook.objects.all().delete()
        Page.objects.filter(slug__startswith="wh-").delete()


def test_retried_then_delivered(
    celery_worker, committed_db, tenant_a, tenant_a_editor, receiver
) -> None:
    rx = receiver(fail_first=2)
    editor = tenant_a_editor
    try:
        hook = editor.post(
            "/api/v1/editor/webhooks/",
            {"url": rx.url, "events": ["page.published", "page.unpublished"]},
            content_type="application/json",
        )
        assert hook.status_code == 201, hook.json()
        secret = hook.json()["secret"]
        page = editor.post(
            "/api/v1/editor/pages/",
            {"title_en": "Hook", "slug": "wh-hook"},
            content_type="application/json",
        ).json()
        assert _deliveries(tenant_a) == []  # creating a draft is no event
        assert editor.post(f"/api/v1/editor/pages/{page['id']}/publish/").status_code == 200

        delivered = _wait(lambda: [d for d in _deliveries(tenant_a) if d["status"] == "delivered"])
        assert len(delivered) == 1
        d = delivered[0]
        assert (d["attempts"], d["response_status"], d["event"]) == (3, 200, "page.published")
        assert len(rx.requests) == 3
        for req in rx.requests:  # every attempt is signed and verifies
            h = req["headers"]
            assert verify(secret, h["X-Mortar-Timestamp"], req["body"], h["X-Mortar-Signature"])
            assert h["X-Mortar-Event"] == "page.published" and h["X-Mortar-Delivery"] == str(
                d["id"]
            )
        payload = json.loads(rx.requests[-1]["body"])
        assert payload["event"] == "page.published" and payload["tenant"] == "apitest_a"
        assert payload["data"]["path"] == "wh-hook"

        assert editor.post(f"/api/v1/editor/pages/{page['id']}/unpublish/").status_code == 200
        _wait(lambda: len(rx.requests) == 4)
        assert rx.requests[-1]["headers"]["X-Mortar-Event"] == "page.unpublished"
    finally:
        _cleanup(tenant_a)


def test_gives_up_after_max_attempts(
    celery_worker, committed_db, tenant_a, tenant_a_editor, receiver
) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.webhooks.models import Webhook

    rx = receiver(fail_first=100)
    try:
        with tenant_context(tenant_a):
            Webhook.objects.create(url=rx.url, events=["page.published"])
            Webhook.objects.create(url=rx.url, events=["page.unpublished"])  # not subscribed
            Webhook.objects.create(url=rx.url, is_active=False)
        page = tenant_a_editor.post(
            "/api/v1/editor/pages/",
            {"title_en": "Fail", "slug": "wh-fail"},
            content_type="application/json",
        ).json()
        tenant_a_editor.post(f"/api/v1/editor/pages/{page['id']}/publish/")
        failed = _wait(lambda: [d for d in _deliveries(tenant_a) if d["status"] == "failed"])
        assert len(_deliveries(tenant_a)) == 1
        assert failed[0]["attempts"] == 4 and failed[0]["last_error"] == "HTTP 500"
        assert len(rx.requests) == 4
    finally:
        _cleanup(tenant_a)


def test_unreachable_url_is_logged(celery_worker, committed_db, tenant_a, tenant_a_editor) -> None:
    import socket

    from django_tenants.utils import tenant_context
    from mortar_api.webhooks.models import Webhook

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        with tenant_context(tenant_a):
            Webhook.objects.create(url=f"http://127.0.0.1:{port}/", events=["page.published"])
        page = tenant_a_editor.post(
            "/api/v1/editor/pages/",
            {"title_en": "Down", "slug": "wh-down"},
            content_type="application/json",
        ).json()
        tenant_a_editor.post(f"/api/v1/editor/pages/{page['id']}/publish/")
        failed = _wait(lambda: [d for d in _deliveries(tenant_a) if d["status"] == "failed"])
        assert (
            "Connection refused" in failed[0]["last_error"] or "URLError" in failed[0]["last_error"]
        )
    finally:
        _cleanup(tenant_a)


@pytest.mark.django_db
def test_webhook_validation(tenant_a_editor) -> None:
    def post(body: dict):
        return tenant_a_editor.post(
            "/api/v1/editor/webhooks/", body, content_type="application/json"
        )

    bad_url = post({"url": "ftp://x.test/"})
    assert bad_url.status_code == 400 and "url" in bad_url.json()["errors"]
    bad_event = post({"url": "https://x.test/", "events": ["page.deleted"]})
    assert bad_event.status_code == 400 and "events" in bad_event.json()["errors"]
    ok = post({"url": "https://x.test/"})
    assert ok.status_code == 201 and ok.json()["events"] == ["page.published", "page.unpublished"]
    assert len(ok.json()["secret"]) >= 32
