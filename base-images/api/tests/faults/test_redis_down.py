"""Redis (cache and broker) down: saves commit, public reads answer, contact mail is not lost.

Every test runs on a private Redis it owns (tests/faults/conftest.py); "down" is that server
stopped, or the settings pointed at a port nothing listens on while it keeps its data.
"""

from __future__ import annotations

import pytest
from cms.conftest import admin_client_for  # noqa: F401  (a fixture, reused here)

pytestmark = pytest.mark.django_db

GOOD = {"name": "Ada", "email": "ada@example.test", "message": "Hello there"}


def _page(in_tenant, tenant, title: str, slug: str):
    from mortar_api.cms.models import Page

    with in_tenant(tenant):
        return Page.objects.create(title=title, slug=slug, status="published")


def _outbox(in_tenant, tenant) -> list:
    from mortar_api.cms.models import OutboxEntry

    with in_tenant(tenant):
        return list(OutboxEntry.objects.values_list("kind", "task", "args"))


def test_editor_save_while_redis_down_commits_and_is_invalidated_when_it_returns(
    tenant_a, in_tenant, editor_client, client_for, private_redis, use_redis, dead_redis,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    from django.conf import settings
    from mortar_api.cms.models import Page

    page = _page(in_tenant, tenant_a, "Before outage", "outage")
    public = client_for(tenant_a)
    domain_keys = [f"{settings.MORTAR_REDIS_PREFIX}:gen:{d.domain}" for d in tenant_a.domains.all()]
    with use_redis(private_redis.url):
        assert public.get("/api/v1/pages/outage/")["X-Mortar-Cache"] == "miss"
        cached = public.get("/api/v1/pages/outage/")
        assert cached["X-Mortar-Cache"] == "hit" and cached.json()["title"] == "Before outage"
        web_gens = [int(private_redis.client().get(k) or 0) for k in domain_keys]

    with use_redis(dead_redis), django_capture_on_commit_callbacks(execute=True):
        resp = editor_client(tenant_a).patch(
            f"/api/v1/editor/pages/{page.pk}/",
            {"title_en": "After outage"},
            content_type="application/json",
        )
        assert resp.status_code == 200, resp.content
        # public reads keep answering, uncached
        down = public.get("/api/v1/pages/outage/")
        assert down.status_code == 200 and down.json()["title"] == "After outage"
    with in_tenant(tenant_a):
        assert Page.objects.get(pk=page.pk).title == "After outage"
    assert _outbox(in_tenant, tenant_a) == [("invalidate", "", [])]  # one entry, not one per bump

    with use_redis(private_redis.url):
        # Redis still holds the pre-outage response; the first request that finds Redis up
        # drains the outbox before trusting it.
        back = public.get("/api/v1/pages/outage/")
        assert back.json()["title"] == "After outage"
        assert [int(private_redis.client().get(k) or 0) for k in domain_keys] == [
            g + 1 for g in web_gens
        ]
    assert _outbox(in_tenant, tenant_a) == []


def test_admin_publish_while_redis_down_commits(
    tenant_a, in_tenant, admin_client_for, dead_redis, use_redis,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        draft = Page.objects.create(title="Admin draft", slug="admin-draft")
    client = admin_client_for(tenant_a)  # session in PostgreSQL: no Redis needed
    with use_redis(dead_redis), django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/admin/cms/page/", {"action": "publish", "_selected_action": [draft.pk]}
        )
    assert done.status_code == 302, done.content[:300]
    with in_tenant(tenant_a):
        assert Page.objects.get(pk=draft.pk).is_published
    assert _outbox(in_tenant, tenant_a) == [("invalidate", "", [])]


def test_beat_drain_waits_for_redis_and_then_applies(
    tenant_a, in_tenant, private_redis, use_redis, dead_redis
) -> None:
    from mortar_api.cms import outbox
    from mortar_api.cms.models import OutboxEntry
    from mortar_api.cms.tasks import drain_outbox

    with use_redis(dead_redis), in_tenant(tenant_a):
        _page(in_tenant, tenant_a, "Saved while down", "saved-down")
        assert drain_outbox() == 0  # still down: the entry stays, its attempt counted
        entry = OutboxEntry.objects.get()
        assert entry.attempts == 1 and entry.last_error
    outbox._pending.clear()  # another process's entry: only beat's job finds it
    with use_redis(private_redis.url), in_tenant(tenant_a):
        assert drain_outbox() == 1
        assert not OutboxEntry.objects.exists()
        from mortar_api.cms.caching import _gen_key

        assert private_redis.client().keys(f"*{_gen_key()}")


def test_public_reads_answer_while_redis_is_stopped(
    tenant_a, tenant_b, in_tenant, client_for, private_redis, use_redis
) -> None:
    _page(in_tenant, tenant_a, "Public", "public-down")
    with use_redis(private_redis.url):
        assert client_for(tenant_a).get("/api/v1/pages/public-down/").status_code == 200
        private_redis.stop()
        # tenant lookup (cached), public response cache, throttles: misses, never 500
        for path in ("/api/v1/pages/public-down/", "/api/v1/site/", "/api/v1/pages/nope/"):
            resp = client_for(tenant_a).get(path)
            assert resp.status_code in (200, 404), (path, resp.status_code)
            assert resp["X-Mortar-Cache"] == "miss"
        assert client_for(tenant_b).get("/api/v1/site/").status_code == 200


def test_contact_while_broker_down_is_stored_queued_later_and_mailed_once(
    tenant_a, in_tenant, client_for, private_redis, use_redis, mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    from django.conf import settings
    from mortar_api.cms.models import ContactSubmission, SiteSettings
    from mortar_api.cms.outbox import drain
    from mortar_api.cms.tasks import send_contact_email

    with in_tenant(tenant_a):
        SiteSettings.objects.update_or_create(pk=1, defaults={"contact_email": "desk@a.test"})
    with use_redis(private_redis.url):
        private_redis.stop()
        with django_capture_on_commit_callbacks(execute=True):
            resp = client_for(tenant_a).post(
                "/api/v1/contact/", GOOD, content_type="application/json"
            )
        assert resp.status_code == 201, resp.content
        sub_id = resp.json()["id"]
        task = "mortar_api.cms.tasks.send_contact_email"
        assert _outbox(in_tenant, tenant_a) == [("task", task, [sub_id])]

        private_redis.start()  # same port, empty: the broker is back
        with in_tenant(tenant_a):
            assert drain() == 1
        assert _outbox(in_tenant, tenant_a) == []
        queue = f"{settings.MORTAR_REDIS_PREFIX}:celery"
        assert private_redis.client().llen(queue) == 1  # handed to the broker, once

    with in_tenant(tenant_a):
        # the worker's run, twice (a redelivery): one mail, marked sent
        assert send_contact_email(sub_id) is True
        assert send_contact_email(sub_id) is False
        assert ContactSubmission.objects.get(pk=sub_id).emailed_at is not None
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["desk@a.test"]


def test_cache_skips_a_failed_redis_for_a_moment(private_redis, use_redis) -> None:
    """After a failure the cache answers "miss" without asking Redis (a hung Redis would
    cost the socket timeout per call), then asks again."""
    from django.core.cache import cache
    from mortar_api import resilience

    with use_redis(private_redis.url):
        cache.set("breaker", "kept")
        assert cache.get("breaker") == "kept" and not resilience.cache_is_down()
        resilience.mark_cache_down()  # as after a failed call
        assert cache.get("breaker") is None  # skipped: Redis still holds it
        cache._down_until = 0.0  # the window passed
        assert cache.get("breaker") == "kept"
        private_redis.stop()
        assert cache.get("breaker", "default") == "default" and resilience.cache_is_down()
