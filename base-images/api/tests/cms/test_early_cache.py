"""The early path of the public API (mortar_api.cms.early_cache): a cached anonymous GET
answered with one Redis read before tenant routing, sessions and DRF - and nothing it
must not answer."""

from __future__ import annotations

import pytest
from cms.conftest import count_redis_commands, published

pytestmark = pytest.mark.django_db

SITE = "/api/v1/site/"


def site_named(tenant, name: str, name_ar: str = "") -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import SiteSettings

    with tenant_context(tenant):
        SiteSettings.objects.update_or_create(
            pk=1, defaults={"site_name": name, "site_name_ar": name_ar or name}
        )


def get(host: str, path: str = SITE, **headers):
    from django.test import Client

    return Client(HTTP_HOST=host).get(path, **headers)


def test_a_hit_replays_the_full_stacks_answer_with_one_redis_read(tenant_a, client_for) -> None:
    site_named(tenant_a, "Acme")
    client = client_for(tenant_a)
    slow = client.get(SITE)
    assert slow["X-Mortar-Cache"] == "miss"
    with count_redis_commands() as sent:
        fast = client.get(SITE)
    assert len(sent) == 1 and b"MGET" in sent[0], sent
    assert fast["X-Mortar-Cache"] == "hit"
    assert fast.status_code == slow.status_code == 200 and fast.content == slow.content
    assert sorted(fast.items()) == sorted(
        (k, "hit" if k == "X-Mortar-Cache" else v) for k, v in slow.items()
    )
    assert fast["Cache-Control"].startswith("public, max-age=")
    assert fast["Content-Type"] == "application/json" and fast["Content-Language"] == "en"
    with count_redis_commands() as sent:
        head = client.head(SITE)
    assert head.status_code == 200 and head["X-Mortar-Cache"] == "hit" and len(sent) == 1


def test_hosts_never_share_an_answer_whatever_the_spelling(tenant_a, tenant_b) -> None:
    site_named(tenant_a, "Alpha")
    site_named(tenant_b, "Bravo")
    spellings = {
        "Alpha": ["a.apitest.localhost", "A.ApiTest.LOCALHOST.", "a.apitest.localhost:8000"],
        "Bravo": ["b.apitest.localhost", "B.APITEST.localhost:81", "b.apitest.localhost."],
    }
    for _round in ("fill", "hit"):  # every spelling twice: from the database, then cached
        for name, hosts in spellings.items():
            for host in hosts:
                resp = get(host)
                assert resp.status_code == 200, host
                assert resp.json()["settings"]["site_name"] == name, host
    assert get("www.a.apitest.localhost").json()["settings"]["site_name"] == "Alpha"
    # A forwarded Host is not trusted (USE_X_FORWARDED_HOST is off): B's Host gets B.
    assert (
        get("b.apitest.localhost", HTTP_X_FORWARDED_HOST="a.apitest.localhost").json()["settings"][
            "site_name"
        ]
        == "Bravo"
    )
    for host in ("c.apitest.localhost", "apitest.localhost", "a.apitest.localhost.evil"):
        assert get(host).status_code == 404, host  # unknown host: the router's 404


def test_each_language_has_its_own_answer(tenant_a) -> None:
    site_named(tenant_a, "Acme", "أكمي")
    host = "a.apitest.localhost"
    for _round in ("fill", "hit"):
        assert get(host).json()["settings"]["site_name"] == "Acme"
        ar = get(host, HTTP_ACCEPT_LANGUAGE="ar")
        assert ar.json()["settings"]["site_name"] == "أكمي" and ar["Content-Language"] == "ar"
        assert get(host, f"{SITE}?lang=ar", HTTP_ACCEPT_LANGUAGE="en").json()["language"] == "ar"
        assert get(host, f"{SITE}?lang=en", HTTP_ACCEPT_LANGUAGE="ar").json()["language"] == "en"
        assert get(host, HTTP_ACCEPT_LANGUAGE="fr;q=1, ar;q=0.5").json()["language"] == "ar"


def test_a_publish_is_visible_on_the_next_request(tenant_a, in_tenant, client_for) -> None:
    site_named(tenant_a, "Before")
    client = client_for(tenant_a)
    client.get(SITE)
    assert client.get(SITE)["X-Mortar-Cache"] == "hit"
    site_named(tenant_a, "After")
    resp = client.get(SITE)
    assert resp["X-Mortar-Cache"] == "miss" and resp.json()["settings"]["site_name"] == "After"
    assert client.get("/api/v1/pages/news/").status_code == 404
    assert client.get("/api/v1/pages/news/")["X-Mortar-Cache"] == "hit"  # 404s are kept too
    with in_tenant(tenant_a):
        published("News")
    assert client.get("/api/v1/pages/news/").json()["title"] == "News"


def test_state_and_domain_changes_reach_the_early_path(tenant_a, client_for) -> None:
    from mortar_api.tenancy.models import Domain
    from mortar_api.tenancy.resolve import forget_hosts
    from mortar_api.tenancy.states import set_state

    site_named(tenant_a, "Acme")
    hosts = ["a.apitest.localhost", "www.a.apitest.localhost"]
    try:
        for host in hosts:
            get(host)
            assert get(host)["X-Mortar-Cache"] == "hit"
        Domain.objects.filter(domain="www.a.apitest.localhost").delete()
        assert get("www.a.apitest.localhost").status_code == 404
        set_state(["apitest_a"], "suspended")
        assert get("a.apitest.localhost").status_code == 503
    finally:  # the rollback restores the rows; the host cache must not keep them
        forget_hosts(*hosts)


def test_private_or_unusual_requests_take_the_full_stack(
    tenant_a, client_for, editor_client
) -> None:
    site_named(tenant_a, "Acme")
    client = client_for(tenant_a)
    client.get(SITE)
    assert client.get(SITE)["X-Mortar-Cache"] == "hit"

    def early_reads(resp_of) -> int:
        with count_redis_commands() as sent:
            resp_of()
        return sum(b"@api" in cmd for cmd in sent)

    from django.conf import settings

    assert early_reads(lambda: editor_client(tenant_a).get(SITE)) == 0  # Authorization
    for cookie in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        other = client_for(tenant_a)
        other.cookies[cookie] = "x"
        assert early_reads(lambda c=other: c.get(SITE)) == 0, cookie
    assert early_reads(lambda: client.get(f"{SITE}?format=json")) == 0
    assert early_reads(lambda: client.get("/api/v1/preview/nonsense/")) == 0
    assert early_reads(lambda: client.get("/api/v1/editor/pages/")) == 0
    # what the full stack refuses stays refused
    assert client.get(SITE, HTTP_ACCEPT="text/html").status_code == 406
    assert client.get(f"{SITE}?lang=ar&lang=en").status_code == 400
    assert client.post(SITE).status_code == 405
    assert client.get(SITE, HTTP_ACCEPT="text/html, */*;q=0.8")["X-Mortar-Cache"] == "hit"


def test_redis_down_falls_through_never_500(tenant_a, client_for, settings) -> None:
    site_named(tenant_a, "Acme")
    client = client_for(tenant_a)
    client.get(SITE)
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}
    for _ in range(2):
        resp = client.get(SITE)
        assert resp.status_code == 200 and resp["X-Mortar-Cache"] == "miss"
        assert resp.json()["settings"]["site_name"] == "Acme"


def test_a_damaged_or_foreign_entry_is_not_served(tenant_a, client_for) -> None:
    """An entry stored under an older generation, or one that does not parse, is a miss."""
    from conftest import admin_redis, redis_prefix

    site_named(tenant_a, "Acme")
    client = client_for(tenant_a)
    client.get(SITE)
    rds = admin_redis()
    (key,) = rds.scan_iter(f"{redis_prefix()}:cache:@api:*:a.apitest.localhost:en:*")
    rds.set(key, b"not json\n{}")

    def round_trips() -> int:
        with count_redis_commands() as sent:
            resp = client.get(SITE)
        assert resp.status_code == 200 and resp.json()["settings"]["site_name"] == "Acme"
        return len(sent)

    assert round_trips() > 1  # logged, answered by the full stack, stored again
    assert round_trips() == 1
    rds.incr(f"{redis_prefix()}:gen:a.apitest.localhost")
    assert round_trips() > 1
    assert round_trips() == 1
