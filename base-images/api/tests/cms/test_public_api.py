"""The public read-only API: shapes of docs/contracts.md, published-only, per tenant."""

from __future__ import annotations

import pytest
from cms.conftest import count_redis_commands, make_page, published

pytestmark = pytest.mark.django_db


def test_site_frame_shape_and_content(tenant_a, in_tenant, client_for) -> None:
    from mortar_api.cms.models import FooterLink, Hero, MenuItem, Partner, SiteSettings

    with in_tenant(tenant_a):
        about = published("About", order=1)
        team = published("Team", parent=about)
        draft = make_page("Secret")
        hero = Hero.objects.create(
            name="main", title="Welcome", button_label="Go", button_link="/go/"
        )
        SiteSettings.objects.create(
            site_name="Acme",
            tagline="We build",
            hero=hero,
            contact_email="hi@acme.test",
            social_links=[{"network": "x", "url": "https://x.test/acme"}],
        )
        top = MenuItem.objects.create(label="About", page=about, order=1)
        MenuItem.objects.create(label="Team", page=team, parent=top)
        MenuItem.objects.create(label="Hidden", page=draft, order=2)
        MenuItem.objects.create(label="Docs", url="https://docs.test/", location="footer")
        Partner.objects.create(name="P1", url="https://p1.test/")
        FooterLink.objects.create(key="privacy", label="Privacy", route="/privacy/")
        home = published("Home", is_home=True)

    resp = client_for(tenant_a).get("/api/v1/site/")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/json"
    assert resp["Content-Language"] == "en"
    data = resp.json()
    assert set(data) == {
        "language", "default_language", "languages", "settings", "menus", "hero",
        "partners", "footer_links", "home_path",
    }  # fmt: skip
    assert data["language"] == data["default_language"] == "en"
    langs = {lang["code"]: lang for lang in data["languages"]}
    assert list(langs) == ["en", "ar"]
    assert langs["en"]["dir"] == "ltr" and langs["ar"]["dir"] == "rtl" and langs["ar"]["name"]
    assert data["settings"]["site_name"] == "Acme"
    assert data["settings"]["social_links"] == [{"network": "x", "url": "https://x.test/acme"}]
    assert data["settings"]["logo"] is None
    header = data["menus"]["header"]
    assert [i["label"] for i in header] == ["About"]  # the draft page's item is hidden
    assert header[0] == {
        "label": "About",
        "url": "/about/",
        "is_external": False,
        "children": [
            {"label": "Team", "url": "/about/team/", "is_external": False, "children": []}
        ],
    }
    assert data["menus"]["footer"] == [
        {"label": "Docs", "url": "https://docs.test/", "is_external": True, "children": []}
    ]
    assert data["hero"] == {
        "title": "Welcome", "description": "", "button_label": "Go", "button_link": "/go/",
        "background_image": None,
    }  # fmt: skip
    assert data["partners"] == [{"name": "P1", "url": "https://p1.test/", "logo": None}]
    assert data["footer_links"] == [
        {"key": "privacy", "label": "Privacy", "route": "/privacy/", "is_external": False}
    ]
    assert data["home_path"] == home.path


def test_pages_list_detail_and_home(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        about = published("About")
        team = published("Team", parent=about, body="<p>We are <b>many</b></p>")
        make_page("Draft child", parent=about)
        published("Home", is_home=True)
    client = client_for(tenant_a)

    listing = client.get("/api/v1/pages/").json()
    assert listing["count"] == 3
    assert [p["path"] for p in listing["results"]] == ["about", "about/team", "home"]
    assert set(listing["results"][0]) == {"id", "title", "path", "is_home", "updated_at"}

    page = client.get("/api/v1/pages/about/team/").json()
    assert page["id"] == team.pk
    assert page["slug"] == "team" and page["path"] == "about/team"
    assert page["body"] == "<p>We are many</p>"  # <b> is not on the allow-list
    assert page["breadcrumbs"] == [{"title": "About", "path": "about"}]
    assert page["seo"] == {"title": "Team", "description": "", "image": None}
    assert page["published_at"] and page["updated_at"]
    parent = client.get("/api/v1/pages/about/").json()
    assert parent["children"] == [{"title": "Team", "path": "about/team"}]  # no draft child

    assert client.get("/api/v1/home/").json()["path"] == "home"

    missing = client.get("/api/v1/pages/about/draft-child/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Page not found.", "errors": {}}


def test_home_404_when_no_home(tenant_a, client_for) -> None:
    resp = client_for(tenant_a).get("/api/v1/home/")
    assert resp.status_code == 404
    assert resp.json()["detail"]


def test_tenant_isolation(tenant_a, tenant_b, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        published("Only A", slug="shared", body="<p>A's secret</p>")
    with in_tenant(tenant_b):
        published("Only B", slug="bonly")

    # Warm A's cache first: B must not be served A's cached response for the same URL.
    assert client_for(tenant_a).get("/api/v1/pages/shared/").json()["title"] == "Only A"
    b = client_for(tenant_b)
    assert b.get("/api/v1/pages/shared/").status_code == 404
    assert [p["title"] for p in b.get("/api/v1/pages/").json()["results"]] == ["Only B"]
    assert "Only A" not in b.get("/api/v1/site/").content.decode()
    with in_tenant(tenant_b):
        published("B shared", slug="shared")
    assert b.get("/api/v1/pages/shared/").json()["title"] == "B shared"
    assert client_for(tenant_a).get("/api/v1/pages/shared/").json()["title"] == "Only A"


def test_language_selection(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        published("About", title_ar="من نحن", body_en="<p>hello</p>", body_ar="<p>مرحبا</p>")
        published("Untranslated")
    client = client_for(tenant_a)

    ar = client.get("/api/v1/pages/about/?lang=ar", HTTP_ACCEPT_LANGUAGE="en")
    assert ar["Content-Language"] == "ar"
    assert ar.json()["title"] == "من نحن" and ar.json()["body"] == "<p>مرحبا</p>"

    by_header = client.get("/api/v1/pages/about/", HTTP_ACCEPT_LANGUAGE="ar-EG,ar;q=0.9,en;q=0.5")
    assert by_header["Content-Language"] == "ar" and by_header.json()["title"] == "من نحن"

    en = client.get("/api/v1/pages/about/?lang=en", HTTP_ACCEPT_LANGUAGE="ar")
    assert en["Content-Language"] == "en" and en.json()["title"] == "About"

    unknown = client.get("/api/v1/pages/about/?lang=xx", HTTP_ACCEPT_LANGUAGE="de")
    assert unknown["Content-Language"] == "en"  # neither is enabled: the default

    fallback = client.get("/api/v1/pages/untranslated/?lang=ar")
    assert fallback.json()["title"] == "Untranslated"  # missing Arabic falls back to English

    site = client.get("/api/v1/site/?lang=ar").json()
    assert site["language"] == "ar" and site["default_language"] == "en"


def test_redirect_resolve(tenant_a, tenant_b, in_tenant, client_for) -> None:
    from mortar_api.cms.models import Redirect

    with in_tenant(tenant_a):
        Redirect.objects.create(old_path="old-about", new_path="/about/")
        Redirect.objects.create(old_path="/promo/", new_path="https://shop.test/x", status_code=302)
    client = client_for(tenant_a)
    assert client.get("/api/v1/redirects/resolve/?path=/old-about").json() == {
        "from": "/old-about/", "to": "/about/", "status": 301,
    }  # fmt: skip
    assert client.get("/api/v1/redirects/resolve/?path=/promo/").json()["status"] == 302
    assert client.get("/api/v1/redirects/resolve/?path=/nope/").status_code == 404
    missing = client.get("/api/v1/redirects/resolve/")
    assert missing.status_code == 400 and "path" in missing.json()["errors"]
    assert (
        client_for(tenant_b).get("/api/v1/redirects/resolve/?path=/old-about/").status_code == 404
    )


def test_public_api_is_read_only(tenant_a, client_for) -> None:
    resp = client_for(tenant_a).post("/api/v1/pages/", {}, content_type="application/json")
    assert resp.status_code == 405
    assert resp.json()["detail"]


def test_openapi_schema_lists_the_api(tenant_a, client_for) -> None:
    resp = client_for(tenant_a).get("/api/schema/?format=json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    for path in [
        "/api/v1/site/",
        "/api/v1/pages/{path}/",
        "/api/v1/contact/",
        "/api/v1/editor/pages/",
    ]:
        assert path in paths


def test_cached_get_costs_one_redis_round_trip(tenant_a, in_tenant, client_for) -> None:
    """The early path's one MGET of the host's generation and the entry (early_cache.py)."""
    with in_tenant(tenant_a):
        published("About")
    client = client_for(tenant_a)
    assert client.get("/api/v1/pages/about/")["X-Mortar-Cache"] == "miss"
    with count_redis_commands() as sent:
        resp = client.get("/api/v1/pages/about/")
    assert resp["X-Mortar-Cache"] == "hit" and resp.json()["title"] == "About"
    assert len(sent) == 1 and sent[0].startswith(b"*3\r\n$4\r\nMGET"), sent


def test_public_api_survives_a_cache_outage(tenant_a, in_tenant, client_for, settings) -> None:
    """Redis down: the page is built from the database (uncached), never a 500."""
    with in_tenant(tenant_a):
        published("About")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # the early path's client and the views'
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}
    for _ in range(2):
        resp = client_for(tenant_a).get("/api/v1/pages/about/")
        assert resp.status_code == 200 and resp.json()["title"] == "About"
        assert resp["X-Mortar-Cache"] == "miss"


def test_found_answers_may_be_kept_by_the_edge_for_max_age(
    tenant_a, in_tenant, client_for, settings
) -> None:
    """200s are `public` for MORTAR_API_HTTP_MAX_AGE (nginx's micro-cache keeps them);
    404s are not (a page published a moment later shows at once); editor answers never."""
    settings.MORTAR_API_HTTP_MAX_AGE = 7
    with in_tenant(tenant_a):
        published("About")
    client = client_for(tenant_a)
    for attempt in ("miss", "hit"):
        resp = client.get("/api/v1/pages/about/")
        assert resp["X-Mortar-Cache"] == attempt
        assert resp["Cache-Control"] == "public, max-age=7"
        assert not resp.cookies  # a cacheable answer never sets a cookie
    assert client.get("/api/v1/site/")["Cache-Control"] == "public, max-age=7"
    for _ in range(2):
        missing = client.get("/api/v1/pages/nowhere/")
        assert missing.status_code == 404 and "public" not in missing.get("Cache-Control", "")
    editor = client.get("/api/v1/editor/pages/")
    assert editor.status_code in (401, 403) and "public" not in editor.get("Cache-Control", "")
