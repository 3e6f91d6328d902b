"""The shared nginx's micro-cache, through a real nginx in front of stub sites.

The stubs (infra_support.Upstream) count the GETs that reach them and send whatever
Cache-Control a test gives them, so each test sees exactly what the edge kept, for how
long, and for whom. The bound after a real publish is tested end to end in
tests/e2e/test_edge.py.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

from infra_support import write_site
from mortar_infra import nginx
from mortar_infra.manifest import load_site

PUBLIC = {"Cache-Control": "public, max-age=30"}


def fetch(
    port: int, host: str, path: str = "/", headers: dict | None = None, method: str = "GET"
) -> tuple[int, str, dict]:
    """(status, X-Cache-Status, JSON body) of one request through nginx."""
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        raw = resp.read()
        body = json.loads(raw) if raw.startswith(b"{") else {}
        return resp.status, resp.getheader("X-Cache-Status") or "", body
    finally:
        conn.close()


def _site(tmp_path: Path, upstreams, slug: str, domain: str, extra: str = "") -> None:
    api, web = upstreams[f"{slug}-api"], upstreams[f"{slug}-web"]
    api.headers.update(PUBLIC)
    web.headers.update(PUBLIC)
    site = write_site(tmp_path / "sites", slug, [domain], api.port, web.port)
    if extra:
        (site / "mortar.toml").write_text((site / "mortar.toml").read_text() + extra)
    nginx.register(load_site(site))


def test_public_answers_are_served_from_the_cache(stack: int, tmp_path: Path, upstreams) -> None:
    _site(tmp_path, upstreams, "ita_alpha", "alpha.localhost")
    web, api = upstreams["ita_alpha-web"], upstreams["ita_alpha-api"]
    first = fetch(stack, "alpha.localhost", "/about/")
    assert first[:2] == (200, "MISS")
    for _ in range(5):
        assert fetch(stack, "alpha.localhost", "/about/") == (200, "HIT", first[2])
    # HEAD is answered from the same entry
    assert fetch(stack, "alpha.localhost", "/about/", method="HEAD")[:2] == (200, "HIT")
    # another spelling of the same origin shares the entry
    assert fetch(stack, "ALPHA.localhost.", "/about/")[1] == "HIT"
    assert web.hits == ["/about/"]
    # the public API's GETs likewise
    fetch(stack, "alpha.localhost", "/api/v1/site/")
    assert fetch(stack, "alpha.localhost", "/api/v1/site/")[1] == "HIT"
    assert api.hits == ["/api/v1/site/"]


def test_sites_languages_and_queries_never_share_an_entry(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", "alpha.localhost")
    _site(tmp_path, upstreams, "ita_beta", "beta.localhost")
    seen = {}
    for host in ("alpha.localhost", "beta.localhost", "beta.localhost:8080"):
        for path in ("/about/", "/ar/about/", "/about/?page=2"):
            for _ in range(2):
                status, _, body = fetch(stack, host, path)
                assert status == 200 and body["path"] == path, (host, path)
                assert body["upstream"] == ("ita_alpha-web" if "alpha" in host else "ita_beta-web")
                # a host with a port is its own origin (absolute URLs in a page carry it)
                assert body["host"] == host
            seen[(host, path)] = body["n"]
    assert sorted(upstreams["ita_alpha-web"].hits) == ["/about/", "/about/?page=2", "/ar/about/"]
    assert len(upstreams["ita_beta-web"].hits) == 6


def test_private_and_personal_requests_are_never_cached(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", "alpha.localhost")
    web, api = upstreams["ita_alpha-web"], upstreams["ita_alpha-api"]
    fetch(stack, "alpha.localhost", "/")  # fill the entry a personal request must not get
    personal = [
        {"Cookie": "sessionid=abc"},
        {"Cookie": "theme=dark; csrftoken=abc"},
        {"Cookie": "mortar_web_csrftoken=abc"},
        {"Cookie": "mortar_preview=abc"},
        {"Authorization": "Token abc"},
    ]
    for headers in personal:
        before = len(web.hits)
        assert fetch(stack, "alpha.localhost", "/", headers)[1] == "BYPASS", headers
        assert len(web.hits) == before + 1
    # an unrelated cookie does not make a visitor personal
    assert fetch(stack, "alpha.localhost", "/", {"Cookie": "theme=dark"})[1] == "HIT"

    # the admin, the editor API and previews reach the site every time, whatever it answers
    for upstream, path in (
        (api, "/admin/"),
        (api, "/admin/login/"),
        (api, "/api/v1/editor/pages/"),
        (api, "/api/v1/preview/tok/"),
        (web, "/__preview/tok/"),
        (web, "/ar/__preview/tok/"),
    ):
        for _ in range(2):
            status, cache, _ = fetch(stack, "alpha.localhost", path)
            assert (status, cache) == (200, ""), path
        assert upstream.hits.count(path) == 2, path

    # answers the site marks private / no-store, or that set a cookie, are not kept
    for header in (
        {"Cache-Control": "private, max-age=30"},
        {"Cache-Control": "no-store"},
        {"Cache-Control": "public, max-age=30", "Set-Cookie": "a=b"},
    ):
        web.headers.clear()
        web.headers.update(header)
        path = f"/p{len(web.hits)}/"
        for _ in range(2):
            assert fetch(stack, "alpha.localhost", path)[1] == "MISS", header
        assert web.hits.count(path) == 2


def test_a_burst_on_a_new_page_costs_one_upstream_request(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", "alpha.localhost")
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: fetch(stack, "alpha.localhost", "/slow/"), range(20)))
    assert {r[0] for r in results} == {200}
    assert upstreams["ita_alpha-web"].hits == ["/slow/"]


def test_staleness_is_bounded_by_max_age(stack: int, tmp_path: Path, upstreams) -> None:
    _site(tmp_path, upstreams, "ita_alpha", "alpha.localhost")
    web = upstreams["ita_alpha-web"]
    web.headers["Cache-Control"] = "public, max-age=2"
    assert fetch(stack, "alpha.localhost", "/news/")[2]["version"] == 1
    web.version = 2  # "publish"
    published = time.monotonic()
    seen = []
    while time.monotonic() - published < 4:
        seen.append((time.monotonic() - published, fetch(stack, "alpha.localhost", "/news/")[2]))
        time.sleep(0.1)
    first_new = next(t for t, body in seen if body["version"] == 2)
    # max-age, plus under a second: nginx's cache clock counts whole seconds
    assert first_new < 3.2
    assert all(body["version"] == 2 for t, body in seen if t >= first_new)


def test_a_dead_site_gets_its_stale_page_unless_the_manifest_says_no(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", "alpha.localhost")
    _site(tmp_path, upstreams, "ita_beta", "beta.localhost", "\n[nginx]\nstale_if_error = false\n")
    for name in ("ita_alpha", "ita_beta"):
        upstreams[f"{name}-web"].headers["Cache-Control"] = "public, max-age=1"
    fetch(stack, "alpha.localhost", "/")
    fetch(stack, "beta.localhost", "/")
    upstreams["ita_alpha-web"].stop()
    upstreams["ita_beta-web"].stop()
    time.sleep(1.5)
    status, cache, body = fetch(stack, "alpha.localhost", "/")
    assert (status, cache, body["upstream"]) == (200, "STALE", "ita_alpha-web")
    assert fetch(stack, "beta.localhost", "/")[0] == 502
    log = Path(nginx.prefix() / "logs" / "ita_alpha.access.log").read_text()
    assert "cache=STALE" in log  # serving stale is logged
