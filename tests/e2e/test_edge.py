"""The shared nginx as an edge in front of two generated sites: its micro-cache.

A publish shows through the edge within the page's max-age (web's MORTAR_WEB_HTTP_MAX_AGE,
5 s by default) and nothing older is served after that; one site's or one language's
page is never served for another; the admin and the editor API never come from the cache.
"""

from __future__ import annotations

import time

import pytest
import requests
from conftest import retitle_about
from kitstack import EDGE_BOUND

pytestmark = pytest.mark.e2e


def _cache(response) -> str:
    return response.headers.get("X-Cache-Status", "")


def test_a_publish_shows_through_the_edge_within_max_age(stack, sites):
    run = sites["alpha"]
    old, new = f"About {run.marker}", f"Edge {run.marker}"
    assert f"<h1>{old}</h1>" in stack.get_fresh(run.domain, "/about/", lambda r: old in r.text).text
    cached = stack.get(run.domain, "/about/")
    assert _cache(cached) == "HIT" and "max-age=5" in cached.headers["Cache-Control"]
    try:
        retitle_about(stack, run, new)
        published = time.monotonic()
        while f"<h1>{new}</h1>" not in stack.get(run.domain, "/about/").text:
            assert time.monotonic() - published < EDGE_BOUND, "the old page outlived max-age"
            time.sleep(0.2)
        # once the new page is out, the old one never comes back (the entry was replaced)
        for _ in range(10):
            assert f"<h1>{new}</h1>" in stack.get(run.domain, "/about/").text
    finally:
        retitle_about(stack, run, old)
        stack.get_fresh(run.domain, "/about/", lambda r: old in r.text)  # for the next tests


def test_sites_and_languages_never_share_a_cached_page(stack, sites):
    alpha, beta = sites["alpha"], sites["beta"]
    for _ in range(2):  # the second round comes from the cache
        pages = {
            "alpha": stack.get(alpha.domain, "/about/"),
            "beta": stack.get(beta.domain, "/about/"),
            "beta-ar": stack.get(beta.domain, "/ar/about/"),
        }
    assert {name: _cache(r) for name, r in pages.items()} == dict.fromkeys(pages, "HIT")
    assert alpha.marker in pages["alpha"].text and beta.marker not in pages["alpha"].text
    assert beta.marker in pages["beta"].text and alpha.marker not in pages["beta"].text
    assert '<html lang="en" dir="ltr">' in pages["beta"].text
    assert '<html lang="ar" dir="rtl">' in pages["beta-ar"].text
    assert alpha.marker not in pages["beta-ar"].text


def test_admin_editor_api_and_personal_requests_never_come_from_the_cache(stack, sites):
    run = sites["beta"]
    for path in ("/admin/login/", "/api/v1/editor/pages/", "/contact/"):
        for _ in range(2):
            r = stack.get(run.domain, path)
            assert _cache(r) in ("", "MISS"), (path, _cache(r))
    stack.get(run.domain, "/")
    assert _cache(stack.get(run.domain, "/")) == "HIT"
    # an editor's session cookie (the admin's, on the same host) bypasses the cache
    r = requests.get(
        f"http://127.0.0.1:{stack.port}/",
        headers={"Host": run.domain, "Cookie": "sessionid=x"},
        timeout=15,
    )
    assert _cache(r) == "BYPASS" and "no-store" in r.headers["Cache-Control"]


def test_public_api_answers_come_from_the_edge_per_site(stack, sites):
    alpha, beta = sites["alpha"], sites["beta"]
    for _ in range(2):  # the second round comes from the cache
        answers = {run.slug: stack.get(run.domain, "/api/v1/site/") for run in (alpha, beta)}
    assert {slug: _cache(r) for slug, r in answers.items()} == dict.fromkeys(answers, "HIT")
    assert answers[alpha.slug].json()["settings"]["site_name"] == alpha.marker
    assert answers[beta.slug].json()["settings"]["site_name"] == beta.marker
    assert _cache(stack.get(alpha.domain, "/api/v1/pages/nowhere/")) in ("", "MISS")
