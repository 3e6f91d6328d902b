"""Site search (cms.search_index, cms.search, GET /api/v1/search/) on real PostgreSQL."""

from __future__ import annotations

import pytest
from cms.conftest import make_page, published

pytestmark = pytest.mark.django_db


def _search(client, q: str, **params) -> dict:
    resp = client.get("/api/v1/search/", {"q": q, **params})
    assert resp.status_code == 200, resp.content
    return resp.json()


def test_ranking_title_then_description_then_body_drafts_never(
    tenant_a, in_tenant, client_for
) -> None:
    with in_tenant(tenant_a):
        published("Plain", body="<p>Our granite comes from the hills.</p>")
        published("Granite works")
        published("Quarry", seo_description="Cutting granite since 1900")
        make_page("Granite secrets", body="<p>granite granite</p>")  # a draft
        published("Unrelated", body="<p>marble</p>")
    data = _search(client_for(tenant_a), "granite")
    assert [r["title"] for r in data["results"]] == ["Granite works", "Quarry", "Plain"]
    assert data["count"] == 3 and data["pages"] == 1 and data["page"] == 1
    assert data["count_exact"] is True
    first = data["results"][0]
    assert set(first) == {"id", "title", "path", "url", "snippet"}
    assert first["path"] == "granite-works" and first["url"] == "/granite-works/"


def test_stemming_block_texts_and_updates_on_save(tenant_a, in_tenant, client_for) -> None:
    from mortar_api.cms.models import Page

    blocks = [
        {"type": "rich_text", "value": {"html": "<p>Restored <b>chimneys</b></p>"}},
        {
            "type": "columns",
            "value": {
                "left": [{"type": "quote", "value": {"text": "Sturdy lintels", "attribution": ""}}],
                "right": [{"type": "cta", "value": {"label": "Visit", "url": "https://x.test/"}}],
            },
        },
    ]
    with in_tenant(tenant_a):
        page = published("Works", blocks=blocks)
    client = client_for(tenant_a)
    assert [r["id"] for r in _search(client, "chimney")["results"]] == [page.pk]  # stemmed
    assert _search(client, "lintel")["count"] == 1  # nested in a column
    for not_text in ("rich", "columns", "quote", "x.test"):  # types and URLs are not words
        assert _search(client, not_text)["count"] == 0, not_text
    with in_tenant(tenant_a):
        Page.objects.filter(pk=page.pk).update(title_en="Bridges")  # no save(): still indexed
    assert _search(client, "bridge")["count"] == 1


def test_snippet_is_escaped_html_with_marks(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        published(
            "Tricky",
            body="<p>Use &lt;script&gt;alert(1)&lt;/script&gt; &amp; granite &quot;now&quot;</p>",
        )
    snippet = _search(client_for(tenant_a), "granite")["results"][0]["snippet"]
    assert "<mark>granite</mark>" in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in snippet and "<script" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_bad_queries_are_400_and_syntax_never_fails(tenant_a, in_tenant, client_for) -> None:
    client = client_for(tenant_a)
    for params in ({}, {"q": ""}, {"q": "  \t"}, {"q": "x" * 201}):
        resp = client.get("/api/v1/search/", params)
        assert resp.status_code == 400, params
        assert list(resp.json()["errors"]) == ["q"]
    with in_tenant(tenant_a):
        published("Syntax", body="<p>granite and marble</p>")
    for q in ('"granite', "granite & | !(", "-", "or", "the", "granite -marble", '"and marble"'):
        _search(client, q)
    assert _search(client, '"granite and marble"')["count"] == 1
    assert _search(client, "granite -marble")["count"] == 0
    assert _search(client, "x" * 200)["count"] == 0


def test_pagination_and_past_the_last_page(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        for i in range(12):
            published(f"Slate {i:02}")
    client = client_for(tenant_a)
    first, second = _search(client, "slate"), _search(client, "slate", page=2)
    assert first["count"] == 12 and first["pages"] == 2 and len(first["results"]) == 10
    assert len(second["results"]) == 2
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    assert client.get("/api/v1/search/", {"q": "slate", "page": 3}).status_code == 404
    assert _search(client, "nothinghere")["pages"] == 0


def test_many_matches_are_capped_ranked_and_said_to_be_more(
    tenant_a, in_tenant, client_for, settings
) -> None:
    settings.MORTAR_SEARCH_MAX_RESULTS = 15  # read per search
    with in_tenant(tenant_a):
        titled = published("Schist quarry")  # stored first: among the first matches found
        ids = {titled.pk} | {
            published(f"Page {i:02}", body=f"<p>schist {'schist ' * (i % 3)}</p>").pk
            for i in range(17)
        }
        for i in range(15):
            published(f"Tuff {i:02}", body="<p>tuff</p>")
    client = client_for(tenant_a)
    first, second = _search(client, "schist"), _search(client, "schist", page=2)
    assert (first["count"], first["count_exact"], first["pages"]) == (15, False, 2)
    assert first["results"][0]["id"] == titled.pk  # ranking holds among the capped matches
    ranked_ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ranked_ids) == len(set(ranked_ids)) == 15 and set(ranked_ids) <= ids
    assert client.get("/api/v1/search/", {"q": "schist", "page": 3}).status_code == 404
    exact = _search(client, "tuff")  # exactly the cap: every match ranked and counted
    assert (exact["count"], exact["count_exact"], exact["pages"]) == (15, True, 2)


def test_search_cap_setting_is_checked() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from mortar_api.settings_helpers import search_max_results

    assert search_max_results(1000) == 1000
    with pytest.raises(ImproperlyConfigured, match="MORTAR_SEARCH_MAX_RESULTS must be 10"):
        search_max_results(5)  # less than one page of results


def test_tenants_never_find_each_others_pages(tenant_a, tenant_b, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        published("Basalt of A", body="<p>basalt</p>")
    with in_tenant(tenant_b):
        published("Other", body="<p>other</p>")
    assert _search(client_for(tenant_a), "basalt")["count"] == 1
    assert _search(client_for(tenant_b), "basalt")["count"] == 0


def test_arabic_inflected_forms(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        page = published("Libraries", title_ar="مكتبات المدينة")
        page.body_ar = "<p>تضم المكتبات العامة في المدينة آلاف الكتب، ويعمل فيها المعلمون.</p>"
        page.save()
    client = client_for(tenant_a)
    library = _search(client, "مكتبة", lang="ar")  # "library" finds "the libraries"
    assert [r["id"] for r in library["results"]] == [page.pk]
    assert library["results"][0]["title"] == "مكتبات المدينة"
    teacher = _search(client, "معلم", lang="ar")  # "teacher" finds "the teachers"
    assert "<mark>المعلمون</mark>" in teacher["results"][0]["snippet"]
    assert _search(client, "مكتبة", lang="en")["count"] == 0  # English index: no Arabic text


def test_language_configurations() -> None:
    from mortar_api.cms.search_index import search_config, vector_field

    assert [search_config(c) for c in ("en", "ar", "fr", "de", "es", "ar-eg", "it")] == [
        "english", "arabic", "french", "german", "spanish", "arabic", "simple",
    ]  # fmt: skip
    assert vector_field("en") == "search_en"


def test_cached_and_invalidated_by_the_generation(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        page = published("Flint", body="<p>flint</p>")
    client = client_for(tenant_a)
    first = client.get("/api/v1/search/", {"q": "flint"})
    again = client.get("/api/v1/search/", {"q": "flint"})
    assert (first["X-Mortar-Cache"], again["X-Mortar-Cache"]) == ("miss", "hit")
    with in_tenant(tenant_a):
        page.status = "draft"
        page.save()  # content changed: a new generation
    after = client.get("/api/v1/search/", {"q": "flint"})
    assert after["X-Mortar-Cache"] == "miss" and after.json()["count"] == 0


def test_admin_page_list_search_is_ranked_over_every_language(
    tenant_a, in_tenant, admin_client_for
) -> None:
    with in_tenant(tenant_a):
        body_only = published("Alpha", body="<p>We restore sandstone facades.</p>")
        titled = published("Sandstone", slug="beta")
        arabic = published("Gamma")
        arabic.body_ar = "<p>المكتبات</p>"
        arabic.save()
        published("Delta", body="<p>nothing</p>")
    client = admin_client_for(tenant_a)
    resp = client.get("/admin/cms/page/", {"q": "sandstone"})
    assert resp.status_code == 200
    assert [p.pk for p in resp.context["cl"].result_list] == [titled.pk, body_only.pk]
    found = client.get("/admin/cms/page/", {"q": "مكتبة"}).context["cl"].result_list
    assert [p.pk for p in found] == [arabic.pk]
    by_path = client.get("/admin/cms/page/", {"q": "bet"}).context["cl"].result_list
    assert [p.pk for p in by_path] == [titled.pk]


def test_steering_the_planner_ends_with_the_search(tenant_a, in_tenant) -> None:
    """The search turns sequential and plain index scans off for its own query only: inside
    a caller's transaction (as here, and in any atomic block) the settings are back after."""
    from django.db import connection
    from mortar_api.cms.models import Page
    from mortar_api.cms.search import search

    with in_tenant(tenant_a):
        published("Basalt columns")
        assert connection.in_atomic_block
        found = search(Page.objects.filter(status="published"), "basalt", "en", 0, 10)
        assert [p.title for p in found.pages] == ["Basalt columns"]
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            seqscan = cursor.fetchone()[0]
            cursor.execute("SHOW enable_indexscan")
            assert (seqscan, cursor.fetchone()[0]) == ("on", "on")
