"""The public site against a real api-base (gunicorn, PostgreSQL, Redis): no mocks."""

from __future__ import annotations

import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
from conftest import NAME, T1, T2, Site

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def html_tag(text: str) -> str:
    return re.search(r"<html[^>]*>", text).group(0)


def test_each_host_renders_its_own_content(t1: Site, t2: Site) -> None:
    one, two = t1.get("/"), t2.get("/")
    assert one.status_code == two.status_code == 200
    assert "Welcome to Tenant One" in one.text and "Tenant Two" not in one.text
    assert "Welcome to Tenant Two" in two.text and "Tenant One" not in two.text
    # frame from /api/v1/site/: hero, nested header menu, partners strip, footer links
    assert "Tenant One hero" in one.text
    assert re.search(
        r'<a href="/about/">About</a>\s*<ul class="menu__list menu__list--1">', one.text
    )
    assert 'href="/about/team/"' in one.text
    assert "Tenant One partner" in one.text
    assert "Our team" in one.text


def test_unknown_host_gets_a_404_with_no_tenant_data(stack) -> None:
    stranger = Site(stack, "nobody.webtest.localhost")
    response = stranger.get("/")
    assert response.status_code == 404
    assert "Tenant One" not in response.text and "Tenant Two" not in response.text
    assert response.headers["Cache-Control"] == "private, no-store"


def test_arabic_pages_are_right_to_left(t1: Site) -> None:
    home, about = t1.get("/ar/"), t1.get("/ar/about/")
    assert home.status_code == about.status_code == 200
    assert html_tag(home.text) == '<html lang="ar" dir="rtl">'
    assert home.headers["Content-Language"] == "ar"
    assert '<a class="button" href="/ar/about/">من نحن</a>' in home.text  # hero button
    assert html_tag(about.text) == '<html lang="ar" dir="rtl">'
    assert "<h1>عن المستأجر الأول</h1>" in about.text
    # menu links to pages carry the language prefix; the switcher goes back to English
    assert 'href="/ar/about/team/"' in about.text
    assert re.search(r'<a href="/about/" lang="en" hreflang="en"', about.text)
    assert html_tag(t1.get("/about/").text) == '<html lang="en" dir="ltr">'


def test_seo_tags(t1: Site) -> None:
    text = t1.get("/about/").text
    base = f"http://{T1}"
    assert "<title>About Tenant One · Tenant One</title>" in text
    assert '<meta name="description" content="Tenant One description">' in text
    assert f'<link rel="canonical" href="{base}/about/">' in text
    for code, url in (("en", "/about/"), ("ar", "/ar/about/"), ("x-default", "/about/")):
        assert f'<link rel="alternate" hreflang="{code}" href="{base}{url}">' in text
    assert '<meta property="og:title" content="About Tenant One · Tenant One">' in text
    assert f'<meta property="og:url" content="{base}/about/">' in text


def test_nested_page_with_breadcrumbs_and_landmarks(t1: Site) -> None:
    text = t1.get("/about/team/").text
    assert "<h1>Tenant One team</h1>" in text
    assert re.search(r'<nav class="breadcrumbs"[^>]*>.*href="/about/"', text, re.S)
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in text
    assert '<a class="skip-link" href="#main">' in text


def test_sitemap_lists_exactly_the_published_pages(stack, t1: Site) -> None:
    response = t1.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 — our own sitemap
    locs = {u.find(f"{SM}loc").text for u in root.findall(f"{SM}url")}
    published = requests.get(
        f"http://127.0.0.1:{stack.api_port}/api/v1/pages/", headers={"Host": T1}, timeout=10
    ).json()["results"]
    paths = {"" if p["is_home"] else p["path"] for p in published}
    expected = {f"http://{T1}/{p}/".replace("//", "/").replace("http:/", "http://") for p in paths}
    expected |= {
        f"http://{T1}/ar/{p}/".replace("//", "/").replace("http:/", "http://") for p in paths
    }
    assert locs == expected
    assert {f"http://{T1}/", f"http://{T1}/ar/about/team/"} <= locs
    assert not any("secret" in loc for loc in locs)  # the draft
    first = root.find(f"{SM}url")
    hreflangs = {a.get("hreflang") for a in first.findall(f"{XHTML}link")}
    assert hreflangs == {"en", "ar"}


def test_robots_points_to_the_sitemap(t1: Site) -> None:
    response = t1.get("/robots.txt")
    assert response.status_code == 200
    assert f"Sitemap: http://{T1}/sitemap.xml" in response.text
    assert "Disallow: /__preview/" in response.text


def test_the_site_has_an_icon(t1: Site) -> None:
    """`/favicon.ico` (asked by browsers on pages without an icon link: the admin's) leads to
    the icon every page links; it was a 301 to `/favicon.ico/`, then a 404."""
    response = t1.get("/favicon.ico")
    assert response.status_code == 302 and "public" in response.headers["Cache-Control"]
    icon = response.headers["Location"]
    assert icon.startswith("/assets/mortar_web/img/favicon") and icon.endswith(".svg")
    assert f'<link rel="icon" href="{icon}" type="image/svg+xml">' in t1.get("/").text
    served = t1.get(icon)
    assert served.status_code == 200 and served.content.startswith(b"<svg")
    assert served.headers["Content-Type"].startswith("image/svg+xml")


def test_a_page_published_in_the_api_shows_up_on_the_next_request(stack, t1: Site) -> None:
    slug = f"news-{uuid.uuid4().hex[:8]}"
    assert t1.get(f"/{slug}/").status_code == 404  # now cached as "not found" in web's Redis
    assert t1.get(f"/{slug}/").status_code == 404
    # the api's 404 itself (not only the rendered page: that key matches *{slug}* too)
    pattern = f"{stack.prefix}:cache:web:*:api:{T1}:en:*pages/{slug}/*"
    cached = list(stack.redis().scan_iter(pattern))
    assert cached, "web did not cache the api's answer"
    stack.api_script("publish", schema="t1", slug=slug, title_en="Fresh news", title_ar="أخبار")
    response = t1.get(f"/{slug}/")  # the api bumped <prefix>:gen:<host>: no waiting for the TTL
    assert response.status_code == 200
    assert "X-Mortar-Cache" not in response.headers  # rendered afresh ...
    again = t1.get(f"/{slug}/")
    assert again.headers.get("X-Mortar-Cache") == "hit"  # ... then served from web's Redis
    assert again.headers["Content-Language"] == "en"
    assert again.headers["Cache-Control"] == "public, max-age=5"
    assert again.text == response.text
    assert "<h1>Fresh news</h1>" in response.text
    assert "<h1>أخبار</h1>" in t1.get(f"/ar/{slug}/").text
    stack.api_script("unpublish", schema="t1", path=slug)
    assert t1.get(f"/{slug}/").status_code == 404


def test_a_publish_reaches_every_spelling_of_the_host(stack) -> None:
    """Issue 19's stale page: `Host: <domain>.` (trailing dot) kept the old title for web's
    whole TTL after a publish, because web read `<prefix>:gen:<domain>.`, a counter the api
    never bumps. Every spelling now reads the api's counter, and the spellings of one origin
    share one page entry."""
    slug = f"spell-{uuid.uuid4().hex[:8]}"
    stack.api_script("publish", schema="t1", slug=slug, title_en="Old title", title_ar="قديم")
    spellings = [T1, T1.upper(), f"{T1}.", f"{T1.upper()}.", f"{T1}:8080", f"{T1}.:8080"]
    sites = [Site(stack, host) for host in spellings]
    for site in sites:  # rendered or cached: the old title everywhere
        for _ in range(2):
            response = site.get(f"/{slug}/")
            assert response.status_code == 200 and "<h1>Old title</h1>" in response.text
    stack.api_script("publish", schema="t1", slug=slug, title_en="New title", title_ar="جديد")
    for site in sites:
        assert "<h1>New title</h1>" in site.get(f"/{slug}/").text, site.host
    pages = list(stack.redis().scan_iter(f"{NAME}:cache:web:page:*/{slug}/"))
    assert len(pages) == 2, pages  # one per origin: with and without the port
    stack.api_script("unpublish", schema="t1", path=slug)


def _web_key(host: str):
    # web's keys, not the api's, nor another run's (MORTAR_TEST_WEB_NAME)
    return lambda command: (
        host in command
        and (f"{NAME}:cache:web:" in command or f"{NAME}:gen:" in command)
        and ":cache:@api:" not in command  # the api's early cache reads the gen key too
    )


def _redis_commands(stack, host: str, request, match=None) -> list[str]:
    """The Redis commands sent while `request()` runs (MONITOR) that `match` takes:
    by default web's commands on the keys of `host`."""
    match = match or _web_key(host)
    seen: list[str] = []
    ready, done = threading.Event(), threading.Event()

    def watch() -> None:
        with stack.redis().monitor() as monitor:
            ready.set()
            for event in monitor.listen():
                if done.is_set():
                    return
                command = event["command"]
                if match(command):
                    seen.append(command.split(" ")[0])

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    ready.wait(5)
    time.sleep(0.2)
    request()
    time.sleep(0.5)
    done.set()
    stack.redis().ping()  # one more command wakes the monitor so the thread ends
    thread.join(5)
    return seen


def test_redis_round_trips_per_page(stack, t1: Site) -> None:
    """A hit is one MGET (generation + page); a miss reads the generation only in that
    MGET, fetches frame and content in one MGET, writes both in one pipeline (MSET plus
    EXPIREs) and stores the page. The request context must not add a round trip."""
    stack.redis().incr(f"{NAME}:gen:{T1}")  # what a publish does: every entry is stale
    miss = _redis_commands(stack, T1, lambda: t1.get("/about/team/"))
    hit = _redis_commands(stack, T1, lambda: t1.get("/about/team/"))
    assert miss == ["MGET", "MGET", "MSET", "EXPIRE", "EXPIRE", "SET"], miss
    assert hit == ["MGET"], hit


def test_a_cold_page_costs_the_api_one_request(stack, t1: Site) -> None:
    """Frame and content of a page whose frame web has not cached come in one api call
    (/api/v1/page-view/); with the frame cached, the content alone. Every api request
    looks its tenant up once (the api's `tenancy:host:` key), so those lookups count them."""

    def api_request(command: str) -> bool:  # its GET, not the SET after an expired entry
        return command.startswith("GET ") and f"{NAME}:cache:public:" in command and T1 in command

    stack.redis().incr(f"{NAME}:gen:{T1}")  # what a publish does: every entry is stale
    pages: list[requests.Response] = []
    cold = _redis_commands(stack, T1, lambda: pages.append(t1.get("/about/team/")), api_request)
    assert cold == ["GET"], cold
    assert pages[0].status_code == 200 and "Tenant One team" in pages[0].text
    assert "Tenant One partner" in pages[0].text  # the frame
    other = _redis_commands(stack, T1, lambda: pages.append(t1.get("/about/")), api_request)
    assert other == ["GET"], other  # the frame from web's cache, the content from the api
    assert pages[1].status_code == 200 and "About Tenant One" in pages[1].text
    stack.redis().incr(f"{NAME}:gen:{T1}")
    missing = _redis_commands(stack, T1, lambda: pages.append(t1.get("/no-such/")), api_request)
    # one call for frame and (missing) page, one for the redirect resolver
    assert missing == ["GET", "GET"], missing
    assert pages[2].status_code == 404 and "Tenant One" in pages[2].text


def test_a_draft_is_only_visible_with_a_valid_preview_token(stack, t1: Site, t2: Site) -> None:
    assert t1.get("/secret/").status_code == 404
    token = stack.api_script("preview_token", schema="t1", path="secret")["token"]
    response = t1.get(f"/__preview/{token}/")
    assert response.status_code == 200
    assert "Tenant One secret draft" in response.text
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    arabic = t1.get(f"/ar/__preview/{token}/")
    assert arabic.status_code == 200 and 'dir="rtl"' in html_tag(arabic.text)
    assert t1.get(f"/__preview/{token[:-2]}xx/").status_code == 404  # tampered
    assert t2.get(f"/__preview/{token}/").status_code == 404  # another tenant's token
    assert t1.get("/secret/").status_code == 404  # still not public


def test_redirects_become_real_301_and_302(t1: Site) -> None:
    permanent = t1.get("/old-about/")
    assert permanent.status_code == 301 and permanent.headers["Location"] == "/about/"
    temporary = t1.get("/temp/")
    assert temporary.status_code == 302 and temporary.headers["Location"] == "/about/team/"
    localised = t1.get("/ar/old-about/")
    assert localised.status_code == 301 and localised.headers["Location"] == "/ar/about/"
    assert t1.get("/en/about/").headers["Location"] == "/about/"  # one URL per page
    assert t1.get("/about").headers["Location"] == "/about/"  # trailing slash
    assert t1.get("/home/").headers["Location"] == "/"  # the home page lives at /


@pytest.mark.parametrize("path", ["/no-such-page/", "/about/nope/", "/a/%2e%2e/b/", "/x%20y/"])
def test_unknown_paths_get_the_styled_404_in_the_frame(t1: Site, path: str) -> None:
    response = t1.get(path)
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert "Tenant One" in response.text and 'class="menu"' in response.text
    assert "Traceback" not in response.text


def test_arabic_404_is_arabic(t1: Site) -> None:
    response = t1.get("/ar/no-such-page/")
    assert response.status_code == 404
    assert html_tag(response.text) == '<html lang="ar" dir="rtl">'
    assert "الصفحة غير موجودة" in response.text


def test_cache_control_public_for_visitors_private_for_editors(t1: Site) -> None:
    assert t1.get("/about/").headers["Cache-Control"] == "public, max-age=5"
    assert t1.get("/old-about/").headers["Cache-Control"] == "public, max-age=5"
    editor = t1.get("/about/", cookies={"sessionid": "an-editor-session"})
    assert editor.headers["Cache-Control"] == "private, no-store"
    assert t1.get("/contact/").headers["Cache-Control"] == "private, no-store"
    assert t1.get("/health/").headers["Cache-Control"] == "private, no-store"


def test_static_assets_are_fingerprinted_and_cached_long(t1: Site) -> None:
    href = re.search(r'href="(/assets/mortar_web/css/site\.[0-9a-f]{12}\.css)"', t1.get("/").text)
    assert href, "stylesheet URL is not fingerprinted"
    css = t1.get(href.group(1))
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]
    assert "immutable" in css.headers["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", css.headers["Cache-Control"]).group(1)) >= 31536000


def test_health_answers_for_any_host(stack) -> None:
    response = Site(stack, "localhost:3000").get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"cache": "ok", "api": "ok"}}


def _csrf(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_contact_form_posts_through_to_the_api(stack, t1: Site) -> None:
    page = t1.get("/contact/")
    assert page.status_code == 200 and '<form method="post" action="/contact/"' in page.text
    name = f"Visitor {uuid.uuid4().hex[:6]}"
    data = {"csrfmiddlewaretoken": _csrf(page), "name": name, "email": "v@example.org"}
    data["message"] = "Hello from the web tests."
    sent = t1.post("/contact/", data)
    assert sent.status_code == 303 and sent.headers["Location"] == "/contact/?sent=1"
    thanks = t1.get("/contact/?sent=1")
    assert "Thank you, your message has been sent." in thanks.text
    stored = stack.api_script("submissions", schema="t1")["submissions"]
    assert {"name": name, "email": "v@example.org", "language": "en"} in stored
    assert all(
        s["name"] != name for s in stack.api_script("submissions", schema="t2")["submissions"]
    )


def test_contact_form_shows_the_api_errors_next_to_the_fields(stack, t1: Site) -> None:
    page = t1.get("/ar/contact/")
    bad = {"csrfmiddlewaretoken": _csrf(page), "name": "X", "email": "not-an-email", "message": ""}
    response = t1.post("/ar/contact/", bad)
    assert response.status_code == 400
    text = response.text
    assert html_tag(text) == '<html lang="ar" dir="rtl">'
    # each error sits in the field's own block, linked by aria-describedby
    email_block = re.search(
        r'<div class="field field--error">\s*<label for="id_email">.*?</div>', text, re.S
    )
    assert email_block and 'aria-describedby="err_email"' in email_block.group(0)
    assert 'id="err_message"' in text
    assert 'value="not-an-email"' in text  # nothing the visitor typed is lost
    assert 'role="alert"' in text


def test_contact_form_without_csrf_token_is_refused(t1: Site) -> None:
    response = t1.post("/contact/", {"name": "x", "email": "x@example.org", "message": "hi there"})
    assert response.status_code == 403
    assert "<h1>Request refused</h1>" in response.text


def test_contact_form_throttled_by_the_api(t1: Site) -> None:
    page = t1.get("/contact/")
    data = {"csrfmiddlewaretoken": _csrf(page), "name": "Flood", "email": "f@example.org"}
    data["message"] = "again and again"
    codes = [t1.post("/contact/", data).status_code for _ in range(6)]
    assert codes[:5] == [303] * 5
    assert codes[5] == 429
    assert "Too many messages" in t1.post("/contact/", data).text


def test_a_site_overrides_templates_and_static_files_first(stack, tmp_path) -> None:
    from stack import free_port

    templates, static = tmp_path / "templates", tmp_path / "static"
    (templates / "mortar_web").mkdir(parents=True)
    (templates / "mortar_web" / "page.html").write_text(
        '{% extends "mortar_web/base.html" %}'
        "{% block content %}<p class=acme>ACME layout: {{ page.title }}</p>{% endblock %}"
    )
    (static / "mortar_web" / "css").mkdir(parents=True)
    (static / "mortar_web" / "css" / "site.css").write_text("body { color: rebeccapurple; }\n")
    (static / "acme").mkdir()
    (static / "acme" / "extra.css").write_text(".acme { color: teal; }\n")
    port = free_port()
    stack.start_web(
        workers=1,
        port=port,
        MORTAR_WEB_TEMPLATE_DIRS=str(templates),
        MORTAR_WEB_STATIC_DIRS=str(static),
        MORTAR_WEB_STATIC_ROOT=str(tmp_path / "collected"),
        MORTAR_WEB_EXTRA_CSS="acme/extra.css",
    )
    try:
        site = Site(stack, T1)
        site.base = f"http://127.0.0.1:{port}"
        text = site.get("/about/").text
        assert "<p class=acme>ACME layout: About Tenant One</p>" in text
        assert 'class="site-header"' in text  # the base's frame is the fallback
        assert "<h1>Page not found</h1>" in site.get("/nope/").text  # not overridden
        css = re.search(r'href="(/assets/mortar_web/css/site\.[0-9a-f]{12}\.css)"', text)
        assert "rebeccapurple" in site.get(css.group(1)).text
        extra = re.search(r'href="(/assets/acme/extra\.[0-9a-f]{12}\.css)"', text)
        assert extra and "teal" in site.get(extra.group(1)).text
    finally:
        stack.stop(f"web-{port}")


def test_https_sites_redirect_plain_http_but_not_health_probes(stack) -> None:
    from stack import free_port

    port = free_port()
    stack.start_web(workers=1, port=port, MORTAR_HTTPS="true")
    try:
        site = Site(stack, T1)
        site.base = f"http://127.0.0.1:{port}"
        plain = site.get("/about/")
        assert plain.status_code == 301 and plain.headers["Location"] == f"https://{T1}/about/"
        assert site.get("/health/").status_code == 200  # compose/k8s probes use plain http
        https = {"X-Forwarded-Proto": "https"}  # what nginx sends after TLS
        page = site.get("/about/", headers=https)
        assert page.status_code == 200
        assert f'<link rel="canonical" href="https://{T1}/about/">' in page.text
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        contact = site.get("/contact/", headers=https)
        assert "secure" in contact.headers["Set-Cookie"].lower()
    finally:
        stack.stop(f"web-{port}")


def test_web_caches_under_the_sites_redis_acl_user(stack) -> None:
    """Every key web touches is inside the prefix: under the site's real ACL user
    (the rules `mortar site provision` sets) a NOPERM would mean no cache hit."""
    from mortar_infra.provision import redis_acl_rules
    from stack import free_port, redis_netloc

    user, password = f"webtest_acl_{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    admin = stack.redis()
    admin.execute_command("ACL", "SETUSER", user, *redis_acl_rules(stack.prefix, password))
    port = free_port()
    try:
        stack.start_web(
            workers=1, port=port, REDIS_URL=f"redis://{user}:{password}@{redis_netloc()}/0"
        )
        site = Site(stack, T1)
        site.base = f"http://127.0.0.1:{port}"
        fresh = f"/acl-{uuid.uuid4().hex[:8]}/"  # nobody cached it yet: this web writes it
        first = site.get(fresh)
        assert first.status_code == 404 and "X-Mortar-Cache" not in first.headers
        again = site.get(fresh)
        assert again.status_code == 404 and again.headers.get("X-Mortar-Cache") == "hit"
        # a cached 404 lives briefly (random URLs must not fill Redis); a page the full TTL
        (not_found,) = admin.keys(f"{stack.prefix}:cache:web:page:*:{fresh}")
        assert 0 < admin.ttl(not_found) <= 10
        for key in admin.keys(f"{stack.prefix}:cache:web:page:*:/about/team/"):
            admin.delete(key)
        assert site.get("/about/team/").status_code == 200
        (page_key,) = admin.keys(f"{stack.prefix}:cache:web:page:*:/about/team/")
        assert admin.ttl(page_key) > 10
        assert site.get("/health/").json() == {
            "status": "ok",
            "checks": {"cache": "ok", "api": "ok"},
        }
        assert "NOPERM" not in stack.logs()
    finally:
        stack.stop(f"web-{port}")
        admin.execute_command("ACL", "DELUSER", user)


def test_without_redis_pages_still_render_and_health_says_so(stack) -> None:
    from stack import free_port

    port = free_port()
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    stack.start_web(workers=1, port=port, REDIS_URL=dead_redis, MORTAR_REDIS_TIMEOUT="0.2")
    try:
        site = Site(stack, T1)
        site.base = f"http://127.0.0.1:{port}"
        page = site.get("/about/")
        assert page.status_code == 200 and "<h1>About Tenant One</h1>" in page.text
        assert "X-Mortar-Cache" not in page.headers
        health = site.get("/health/")
        assert health.status_code == 503
        assert health.json()["checks"]["cache"].startswith("error")
        assert health.json()["checks"]["api"] == "ok"
    finally:
        stack.stop(f"web-{port}")


def test_api_outage_gives_a_styled_503_then_recovers(stack, t1: Site) -> None:
    assert t1.get("/about/").status_code == 200  # in web's cache now
    assert t1.get("/contact/").status_code == 200  # its frame and page too
    stack.stop("api")
    try:
        response = t1.get(f"/never-seen-{uuid.uuid4().hex[:6]}/")
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "<h1>Temporarily unavailable</h1>" in response.text
        assert "Traceback" not in response.text
        assert "Tenant One" in response.text  # frame from web's cache, no api needed
        assert t1.get("/about/").status_code == 200  # cached pages keep being served
        health = t1.get("/health/")
        assert health.status_code == 503 and health.json()["checks"]["api"].startswith("unreach")
        page = t1.get("/contact/")
        assert page.status_code == 200  # the form itself comes from the cache
        data = {"csrfmiddlewaretoken": _csrf(page), "name": "n", "email": "n@example.org"}
        assert t1.post("/contact/", {**data, "message": "hello"}).status_code == 503
        assert Site(stack, T2).get("/nothing-cached/").status_code == 503
    finally:
        stack.start_api()
    assert t1.get("/health/").status_code == 200


def test_another_release_does_not_serve_the_previous_releases_pages(stack, t1: Site) -> None:
    """MORTAR_WEB_RELEASE is part of the page-cache key: a deploy renders afresh."""
    from stack import free_port

    t1.get("/about/team/")
    assert t1.get("/about/team/").headers.get("X-Mortar-Cache") == "hit"  # this release's copy
    port = free_port()
    stack.start_web(workers=1, port=port, MORTAR_WEB_RELEASE=f"next-{uuid.uuid4().hex[:6]}")
    try:
        site = Site(stack, T1)
        site.base = f"http://127.0.0.1:{port}"
        first = site.get("/about/team/")
        assert first.status_code == 200 and "X-Mortar-Cache" not in first.headers
        assert site.get("/about/team/").headers.get("X-Mortar-Cache") == "hit"
    finally:
        stack.stop(f"web-{port}")


def test_cache_ttl_zero_turns_web_caching_off(stack) -> None:
    from stack import free_port

    port = free_port()
    stack.start_web(workers=1, port=port, MORTAR_WEB_CACHE_TTL="0")
    try:
        site = Site(stack, T1)
        site.base = f"http://127.0.0.1:{port}"
        slug = f"uncached-{uuid.uuid4().hex[:8]}"
        assert [site.get(f"/{slug}/").status_code for _ in range(2)] == [404, 404]
        assert not list(stack.redis().scan_iter(f"{stack.prefix}:cache:web:*{slug}*"))
        pages = [site.get("/about/") for _ in range(2)]
        assert all(p.status_code == 200 and "X-Mortar-Cache" not in p.headers for p in pages)
    finally:
        stack.stop(f"web-{port}")
