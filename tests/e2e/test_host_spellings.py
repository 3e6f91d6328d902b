"""Issue 19 through the real shared nginx and a spawned site: a publish reaches every
spelling of the site's host at once.

Before the fix, `Host: <domain>.` (trailing dot) reached web as such; web read the
generation counter `<slug>:gen:<domain>.`, which the api never bumps, and kept serving
its cached page with the old title for the page cache's whole TTL (60 s).
"""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e

RETITLE = """
import sys

import django

django.setup()
from django_tenants.utils import schema_context
from mortar_api.cms.models import Page

with schema_context(sys.argv[1]):
    page = Page.objects.get(slug="about")
    page.title = sys.argv[2]
    page.save()  # the api's own signal bumps the tenant's generation counters
"""


def _get(stack, host: str, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{stack.port}{path}", headers={"Host": host}, timeout=15)


def _retitle(stack, run, title: str) -> None:
    proc = stack.site_python(run, "-c", RETITLE, run.slug, title)
    assert proc.returncode == 0, proc.stderr


def test_a_title_change_reaches_every_host_spelling(stack, sites):
    run = sites["alpha"]
    domain = run.domain
    spellings = [
        domain,
        domain.upper(),
        f"{domain}.",
        f"{domain.upper()}.",
        f"{domain}:{stack.port}",
        f"{domain}.:{stack.port}",
    ]
    old, new = f"About {run.marker}", f"Retitled {run.marker}"
    try:
        for host in spellings:  # twice each: rendered, then from web's page cache
            for _ in range(2):
                response = _get(stack, host, "/about/")
                assert response.status_code == 200 and f"<h1>{old}</h1>" in response.text, host
        _retitle(stack, run, new)
        stale = [h for h in spellings if f"<h1>{new}</h1>" not in _get(stack, h, "/about/").text]
        assert stale == [], f"still the old title for {stale}"
    finally:
        _retitle(stack, run, old)
