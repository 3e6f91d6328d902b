"""Pure functions of mortar_web: URL language handling, cache keys, forwarding, images."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from mortar_web import api_client, cache, routing, ui
from mortar_web.templatetags.mortar_web import image


@pytest.mark.parametrize(
    ("url", "language", "path", "prefixed"),
    [
        ("", "en", "", False),
        ("about/team", "en", "about/team", False),
        ("ar", "ar", "", True),
        ("ar/about/team", "ar", "about/team", True),
        ("AR/about", "ar", "about", True),
        ("en/about", "en", "about", True),
        ("arabic/x", "en", "arabic/x", False),
    ],
)
def test_parse_splits_the_language_prefix(url: str, language: str, path: str, prefixed: bool):
    assert routing.parse(url) == routing.Target(language, path, prefixed)


@pytest.mark.parametrize("url", ["a/../b", "./x", "a b", "x/" * 600])
def test_parse_refuses_paths_no_page_can_have(url: str):
    assert routing.parse(url) is None


def test_page_urls_and_localised_menu_links():
    assert routing.page_url("", "en") == "/"
    assert routing.page_url("", "ar") == "/ar/"
    assert routing.page_url("about/team", "ar") == "/ar/about/team/"
    assert routing.localise("/about/", "ar") == "/ar/about/"
    assert routing.localise("/about/?x=1#top", "ar") == "/ar/about/?x=1#top"
    assert routing.localise("/", "ar") == "/ar/"
    assert routing.localise("/about/", "en") == "/about/"
    # files, api routes and other sites stay as they are
    assert routing.localise("/media/t1/file.pdf", "ar") == "/media/t1/file.pdf"
    assert routing.localise("/admin/", "ar") == "/admin/"
    assert routing.localise("https://example.org/", "ar") == "https://example.org/"
    assert routing.localise("//cdn.example.org/x/", "ar") == "//cdn.example.org/x/"


def test_direction_of_right_to_left_languages():
    assert [routing.direction(c) for c in ("ar", "he", "fa", "ur", "en", "fr")] == [
        "rtl",
        "rtl",
        "rtl",
        "rtl",
        "ltr",
        "ltr",
    ]


def test_api_path_quotes_each_segment():
    assert api_client.api_path("pages", "about", "team") == "/api/v1/pages/about/team/"
    assert api_client.api_path("pages", "..", "admin") == "/api/v1/pages/%2E%2E/admin/"
    assert api_client.api_path("pages", "a/b") == "/api/v1/pages/a%2Fb/"
    assert api_client.api_path("pages", "a?b#c") == "/api/v1/pages/a%3Fb%23c/"
    assert api_client.api_path("pages", "فريق") == "/api/v1/pages/%D9%81%D8%B1%D9%8A%D9%82/"


def test_cache_keys_carry_host_language_generation_and_stay_short():
    key = cache.cache_key("t1.example", "ar", 7, "/api/v1/pages/about/", {"lang": "ar"})
    assert key == "api:t1.example:ar:g7:pages/about/?lang=ar"
    long_key = cache.cache_key("t1.example", "en", 0, "/api/v1/pages/" + "x" * 300 + "/", None)
    assert len(long_key) < 100 and long_key.startswith("api:t1.example:en:g0:h-")
    odd = cache.cache_key("t1.example", "en", 0, "/api/v1/pages/فريق/", None)
    assert odd.isascii()


def test_every_cache_key_lives_under_the_site_prefix():
    from django.core.cache import cache as django_cache

    made = django_cache.make_key(cache.cache_key("h", "en", 1, "/api/v1/site/", None))
    assert made.startswith("webtest:")
    assert cache.generation_key("t1.example") == "webtest:gen:t1.example"


def test_visitor_forwards_host_without_port_and_the_edge_client_address():
    rf = RequestFactory()
    request = rf.get("/", HTTP_HOST="T1.Example.Localhost:8080", REMOTE_ADDR="10.0.0.5")
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    request.META["HTTP_X_FORWARDED_PROTO"] = "https"
    visitor = api_client.Visitor.from_request(request)
    assert visitor.headers() == {
        "Host": "t1.example.localhost",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
    }
    plain = api_client.Visitor.from_request(rf.get("/", REMOTE_ADDR="10.0.0.6"))
    assert plain.headers()["X-Forwarded-For"] == "10.0.0.6"
    assert plain.headers()["X-Forwarded-Proto"] == "http"


def test_image_tag_writes_srcset_size_and_alt():
    img = {
        "url": "/media/t1/x.png",
        "alt": "",
        "width": 1200,
        "height": 800,
        "renditions": [
            {"width": 640, "url": "/media/t1/x.640.webp"},
            {"width": 320, "url": "/media/t1/x.320.webp"},
        ],
    }
    html = image(img, alt="Fallback <name>")
    assert 'src="/media/t1/x.png"' in html
    assert 'srcset="/media/t1/x.320.webp 320w, /media/t1/x.640.webp 640w"' in html
    assert 'alt="Fallback &lt;name&gt;"' in html
    assert 'width="1200"' in html and 'height="800"' in html
    assert image(None) == ""
    assert 'alt=""' in image({"url": "/media/t1/deco.png"})


def test_interface_strings_fall_back_to_english():
    assert ui.text("send", "ar") == "إرسال"
    assert ui.text("send", "fr") == "Send"
    assert ui.text("send", "ar-EG") == "إرسال"


def _response(status: int, body: bytes, headers: dict | None = None):
    import requests

    response = requests.Response()
    response.status_code, response._content = status, body
    response.headers.update(headers or {})
    response.url = "http://api.internal/api/v1/x/"
    return response


def test_api_answers_map_to_clear_errors():
    check = api_client._check
    assert check(_response(200, b'{"ok": true}')) == {"ok": True}
    with pytest.raises(api_client.ApiNotFound):
        check(_response(404, b'{"detail": "Not found.", "errors": {}}'))
    with pytest.raises(api_client.ApiThrottled):
        check(_response(429, b'{"detail": "slow down"}'))
    with pytest.raises(api_client.ApiValidationError) as invalid:
        check(
            _response(400, b'{"detail": "Invalid input.", "errors": {"email": ["Bad."], "x": "y"}}')
        )
    assert invalid.value.errors == {"email": ["Bad."], "x": ["y"]}
    for status, body, headers in (
        (502, b"<html>bad gateway</html>", None),
        (500, b'{"detail": "boom"}', None),
        (200, b"<html>not json</html>", None),
        (301, b"", {"Location": "https://t1.example/api/v1/x/"}),
        (403, b'{"detail": "nope"}', None),
    ):
        with pytest.raises(api_client.ApiUnavailable):
            check(_response(status, body, headers))


def test_a_missing_or_garbled_generation_counter_reads_as_zero():
    assert cache.parse_generation(b"7") == 7
    assert cache.parse_generation(None) == 0
    assert cache.parse_generation(b"not-a-number") == 0


def test_search_snippet_keeps_only_marks() -> None:
    from mortar_web.views.search import snippet_html

    assert snippet_html("a &lt;b&gt; <mark>word</mark>") == "a &lt;b&gt; <mark>word</mark>"
    assert snippet_html("<script>x</script> <mark>w</mark>") == (
        "&lt;script&gt;x&lt;/script&gt; <mark>w</mark>"
    )
    assert snippet_html("<mark>open") == "&lt;mark&gt;open"


def test_count_text_says_one_page_not_one_pages() -> None:
    assert ui.count_text("search_count", "en", 1) == "1 page found"
    assert ui.count_text("search_count", "en", 12) == "12 pages found"
    assert ui.count_text("search_count", "ar", 1) == "عدد الصفحات: 1"  # no _one: the plain form
    assert ui.count_text("search_count", "fr", 1) == "1 page found"  # English fallback


def test_capped_count_reads_more_than() -> None:
    from mortar_web.views.search import _results

    capped = {"count": 1000, "count_exact": False, "page": 1, "pages": 100, "results": []}
    assert _results(capped, "en", "stone")["count_text"] == "More than 1,000 pages found"
    assert _results(capped, "ar", "حجر")["count_text"] == "عدد الصفحات: أكثر من 1,000"
    exact = {**capped, "count_exact": True, "count": 999}
    assert _results(exact, "en", "stone")["count_text"] == "999 pages found"
    older = {"count": 12, "page": 1, "pages": 2, "results": []}  # an api without the field
    assert _results(older, "en", "stone")["count_text"] == "12 pages found"
