"""Issue 19 through the real shared nginx and a spawned site: a publish reaches every
spelling of the site's host at once.

Before the fix, `Host: <domain>.` (trailing dot) reached web as such; web read the
generation counter `<slug>:gen:<domain>.`, which the api never bumps, and kept serving
its cached page with the old title for the page cache's whole TTL (60 s).
"""

from __future__ import annotations

import pytest
import requests
from conftest import retitle_about

pytestmark = pytest.mark.e2e


def _get(stack, host: str, path: str) -> requests.Response:
    return requests.get(f"http://127.0.0.1:{stack.port}{path}", headers={"Host": host}, timeout=15)


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
        retitle_about(stack, run, new)
        # web shows it on its next request; the edge within the page's max-age
        stale = [
            h
            for h in spellings
            if f"<h1>{new}</h1>" not in stack.get_fresh(h, "/about/", lambda r: new in r.text).text
        ]
        assert stale == [], f"still the old title for {stale}"
    finally:
        retitle_about(stack, run, old)
        for host in spellings:  # the edge keeps each origin's copy up to max-age
            stack.get_fresh(host, "/about/", lambda r: old in r.text)
