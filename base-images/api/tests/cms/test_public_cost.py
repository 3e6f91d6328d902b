"""What a cold public answer costs: SQL queries and Redis round trips, pinned.

"Cold" = the tenant's response cache dropped (its generation key deleted), as after a
publish. The counts do not grow with the content (menu items and levels, partners,
a page's depth, its children): a regression that queries per row or per level fails here.
Counts include django-tenants' ``SET search_path`` (one per request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from cms.conftest import make_page, published
from cms.test_blocks_api import make_asset
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# SET search_path; settings with logo, hero and the home page's path; menu items with
# their pages; partners with logos; footer links
SITE_QUERIES = 5
# SET search_path; the page with hero and SEO image; its children (+1: its ancestors)
PAGE_QUERIES = 3
# the early path (before the tenant is known): host generation + entry (MGET), its entry
# stored on the way back (SET); the views: tenant by host (GET), generation + answer
# (MGET), new generation (SET NX), answer (SET)
COLD_ROUND_TRIPS = 2 + 4


class RedisTrips:
    """Counts Redis round trips of this process (a pipeline or MGET counts once)."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def redis_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisTrips]:
    import redis.connection

    trips = RedisTrips()
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        trips.count += 1
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    yield trips


@pytest.fixture
def cold_get(
    tenant_a, in_tenant: Callable, client_for: Callable, redis_trips: RedisTrips
) -> Callable:
    """``cold_get(url)`` -> (response, SQL queries) with tenant_a's response cache dropped;
    ``redis_trips`` then counts that request's round trips."""
    from django.core.cache import cache

    client = client_for(tenant_a)
    client.get("/api/v1/not-a-route/")  # the host -> tenant entry is cached from here on

    def get(url: str):
        with in_tenant(tenant_a):
            cache.delete(f"cms:gen:{tenant_a.schema_name}")
        redis_trips.count = 0
        reset_queries()  # a full log (9,000 entries) would capture nothing
        with CaptureQueriesContext(connection) as queries:
            resp = client.get(url)
        assert resp.status_code == 200, resp.content
        assert resp["X-Mortar-Cache"] == "miss"
        return resp, list(queries.captured_queries)  # read now: a later request clears the log

    return get


def _frame(menu_items: int, partners: int) -> None:
    """A site frame: settings with logo and hero, a menu `menu_items` wide and three levels
    deep, partners with logos, footer links."""
    from mortar_api.cms.models import FooterLink, Hero, MenuItem, Partner, SiteSettings

    logo = make_asset()
    hero = Hero.objects.create(name=f"h{menu_items}", title="Hi", background_image=logo)
    SiteSettings.objects.update_or_create(pk=1, defaults={"logo": logo, "hero": hero})
    for i in range(menu_items):
        page = published(f"Menu {menu_items} {i}")
        top = MenuItem.objects.create(label=f"Top {i}", page=page, order=i)
        mid = MenuItem.objects.create(label=f"Mid {i}", url="https://x.test/", parent=top)
        MenuItem.objects.create(label=f"Low {i}", page=page, parent=mid)
        MenuItem.objects.create(label=f"Foot {i}", page=page, location="footer")
    for i in range(partners):
        Partner.objects.create(name=f"P{menu_items} {i}", logo=logo)
        FooterLink.objects.create(key=f"k{menu_items}-{i}", label="L", route="/l/")


def test_cold_site_costs_the_same_few_queries_however_big_the_frame(
    tenant_a, in_tenant, cold_get, redis_trips
) -> None:
    with in_tenant(tenant_a):
        _frame(menu_items=1, partners=1)
        published("Home", is_home=True)
    _resp, queries = cold_get("/api/v1/site/")
    assert len(queries) == SITE_QUERIES, [q["sql"] for q in queries]
    assert redis_trips.count == COLD_ROUND_TRIPS
    # a single row by its key: no ORDER BY to compile over the wide select
    settings_sql = next(q["sql"] for q in queries if 'FROM "cms_sitesettings"' in q["sql"])
    assert "ORDER BY" not in settings_sql

    with in_tenant(tenant_a):
        _frame(menu_items=6, partners=5)
    resp, queries = cold_get("/api/v1/site/")
    data = resp.json()
    assert len(data["menus"]["header"]) == 7 and len(data["partners"]) == 6
    assert data["menus"]["header"][1]["children"][0]["children"][0]["label"] == "Low 0"
    assert data["partners"][0]["logo"]["url"] and data["settings"]["logo"]["url"]
    assert len(queries) == SITE_QUERIES, [q["sql"] for q in queries]


def test_site_without_saved_settings_still_names_the_home_page(
    tenant_a, in_tenant, cold_get
) -> None:
    from mortar_api.cms.models import SiteSettings

    with in_tenant(tenant_a):
        SiteSettings.objects.all().delete()
    resp, _ = cold_get("/api/v1/site/")
    assert resp.json()["home_path"] == "" and resp.json()["settings"]["site_name"] == ""
    with in_tenant(tenant_a):
        published("Start", is_home=True)
    resp, queries = cold_get("/api/v1/site/")
    assert resp.json()["home_path"] == "start"
    assert len(queries) == SITE_QUERIES + 1  # the home page on its own


def test_menu_pages_are_read_without_their_bodies(tenant_a, in_tenant, cold_get) -> None:
    with in_tenant(tenant_a):
        page = published("Long", body="<p>" + "word " * 2000 + "</p>")
        from mortar_api.cms.models import MenuItem

        MenuItem.objects.create(label="Long", page=page)
    _resp, queries = cold_get("/api/v1/site/")
    menu_sql = next(q["sql"] for q in queries if "cms_menuitem" in q["sql"])
    assert '"cms_page"."path"' in menu_sql and '"cms_page"."body' not in menu_sql
    assert '"cms_page"."search_' not in menu_sql


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_cold_page_queries_do_not_grow_with_its_depth_or_children(
    depth, tenant_a, in_tenant, cold_get
) -> None:
    with in_tenant(tenant_a):
        parent = None
        for level in range(depth):
            parent = published(f"Level {level}", parent=parent)
        for i in range(4):
            published(f"Child {i}", parent=parent)
        make_page("Draft child", parent=parent)
    resp, queries = cold_get(f"/api/v1/pages/{parent.path}/")
    data = resp.json()
    assert [c["path"] for c in data["breadcrumbs"]] == [
        "/".join(parent.path.split("/")[: i + 1]) for i in range(depth - 1)
    ]
    assert [c["title"] for c in data["breadcrumbs"]] == [f"Level {i}" for i in range(depth - 1)]
    assert len(data["children"]) == 4
    expected = PAGE_QUERIES + (1 if depth > 1 else 0)
    assert len(queries) == expected, [q["sql"] for q in queries]
    assert "ORDER BY" not in queries[1]["sql"]  # the page itself, by its unique path


def test_breadcrumbs_include_a_draft_ancestor_like_before(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        top = make_page("Top")  # a draft section with a published page inside
        sub = published("Sub", parent=top)
    data = client_for(tenant_a).get(f"/api/v1/pages/{sub.path}/").json()
    assert data["breadcrumbs"] == [{"title": "Top", "path": "top"}]


def test_page_view_is_site_and_page_in_one_answer(
    tenant_a, tenant_b, in_tenant, client_for, cold_get, redis_trips
) -> None:
    with in_tenant(tenant_a):
        _frame(menu_items=2, partners=1)
        about = published("About")
        team = published("Team", parent=about)
        published("Home", is_home=True)
    client = client_for(tenant_a)
    for path, url in [(team.path, f"/api/v1/pages/{team.path}/"), ("", "/api/v1/home/")]:
        resp, queries = cold_get(f"/api/v1/page-view/?path={path}&lang=ar")
        assert redis_trips.count == COLD_ROUND_TRIPS
        both = resp.json()
        assert set(both) == {"site", "page"}
        assert resp["Content-Language"] == "ar"
        assert both["site"] == client.get("/api/v1/site/?lang=ar").json()
        assert both["page"] == client.get(url + "?lang=ar").json()
        extra = 1 if path.count("/") else 0  # the ancestors of a nested page
        # one request: one SET search_path for the frame and the page together
        assert len(queries) == SITE_QUERIES + PAGE_QUERIES - 1 + extra

    assert resp["Cache-Control"].startswith("public")  # a page: the edge may keep it
    for missing in ["nowhere", "about/nowhere", "../etc", "a%20b"]:
        resp, _ = cold_get(f"/api/v1/page-view/?path={missing}")
        assert resp.json()["page"] is None and resp.json()["site"]["menus"]["header"]
        assert "Cache-Control" not in resp  # like the page's 404: never kept by the edge
        again = client.get(f"/api/v1/page-view/?path={missing}")  # from the api's cache
        assert again["X-Mortar-Cache"] == "hit" and "Cache-Control" not in again
    # another tenant's page is not this tenant's
    with in_tenant(tenant_b):
        other = published("Only B")
    assert client.get(f"/api/v1/page-view/?path={other.path}").json()["page"] is None
    assert client_for(tenant_b).get(f"/api/v1/page-view/?path={other.path}").json()["page"]


def test_page_view_is_cached_until_the_next_change(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        page = published("About")
    client = client_for(tenant_a)
    first = client.get("/api/v1/page-view/?path=about")
    assert first["X-Mortar-Cache"] == "miss"
    assert client.get("/api/v1/page-view/?path=about")["X-Mortar-Cache"] == "hit"
    with in_tenant(tenant_a):
        page.title = "About us"
        page.save()
    again = client.get("/api/v1/page-view/?path=about")
    assert again["X-Mortar-Cache"] == "miss" and again.json()["page"]["title"] == "About us"
