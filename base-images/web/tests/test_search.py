"""The search box and the /search/ page against the real api (GET /api/v1/search/)."""

from __future__ import annotations

import re

import pytest
from conftest import Site

pytestmark = pytest.mark.usefixtures("stack")


def _titles(html: str) -> list[str]:
    return re.findall(r'class="search-result__title"><a href="[^"]*">([^<]*)</a>', html)


def test_header_search_box_in_both_directions(t1: Site) -> None:
    for path, action in (("/", "/search/"), ("/ar/", "/ar/search/")):
        html = t1.get(path).text
        form = re.search(r'<form class="search-form" role="search"[^>]*>', html).group(0)
        assert f'action="{action}"' in form and 'method="get"' in form
        assert '<label class="visually-hidden" for="site-search-q">' in html
        assert 'id="site-search-q" type="search" name="q"' in html


def test_results_with_marked_snippets_and_links(t1: Site) -> None:
    resp = t1.get("/search/", params={"q": "team"})
    assert resp.status_code == 200 and resp.headers["Cache-Control"].startswith("public")
    html = resp.text
    assert _titles(html)[0] == "Tenant One team"  # the title match first (other tests add pages)
    assert 'href="/about/team/"' in html
    assert "<mark>team</mark>" in html
    assert 'value="team"' in html  # the query stays in the boxes
    assert '<meta name="robots" content="noindex, follow">' in html


def test_arabic_results_link_to_arabic_pages(t1: Site) -> None:
    html = t1.get("/ar/search/", params={"q": "فريق"}).text
    assert 'lang="ar" dir="rtl"' in html
    assert _titles(html)[0] == "فريق المستأجر الأول"
    assert 'href="/ar/about/team/"' in html
    assert "نتائج البحث عن «فريق»" in html


def test_no_results_suggest_the_home_page_drafts_and_other_tenants_never(
    t1: Site, t2: Site
) -> None:
    for q in ("secret", "Two"):  # t1's draft; t2's name
        html = t1.get("/search/", params={"q": q}).text
        assert _titles(html) == [] and "No page matches your search." in html, q
        assert '<a href="/">Back to the home page</a>' in html
    assert _titles(t2.get("/search/", params={"q": "Two"}).text)  # t2 finds its own


def test_prompt_without_query_and_error_for_too_long(t1: Site) -> None:
    empty = t1.get("/search/")
    assert empty.status_code == 200 and "Type one or more words" in empty.text
    long = t1.get("/search/", params={"q": "x" * 201})
    assert long.status_code == 400 and "At most 200 characters." in long.text


def test_pagination(stack, t2: Site) -> None:
    stack.api_script("search_pages", schema="t2", word="granite", count=12)
    first = t2.get("/search/", params={"q": "granite"}).text
    assert len(_titles(first)) == 10 and "12 pages found" in first and "Page 1 of 2" in first
    assert 'rel="next" href="/search/?q=granite&amp;page=2"' in first
    second = t2.get("/search/", params={"q": "granite", "page": "2"}).text
    assert len(_titles(second)) == 2 and 'rel="prev" href="/search/?q=granite"' in second
    assert t2.get("/search/", params={"q": "granite", "page": "3"}).status_code == 404
