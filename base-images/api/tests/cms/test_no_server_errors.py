"""Inputs that used to reach PostgreSQL (or DRF's leniency) and gave a 500 or a wrong answer.

One test per class of input the contract tier's fuzzer found; each answer is a 4xx with the
error body, never a 500 (the test client re-raises server errors, so a regression fails).
"""

from __future__ import annotations

import json

import pytest
from cms.conftest import published

pytestmark = pytest.mark.django_db

JSON = "application/json"
BIG = "9" * 30  # far beyond bigint


def _error(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    if field is not None:
        assert field in body["errors"], body
        assert all(isinstance(m, str) for m in body["errors"][field]), body
    return body


# "\u0661" is ARABIC-INDIC DIGIT ONE, which int() would take
@pytest.mark.parametrize("raw", ["142348648011572400", "0", "-1", "", "abc", "+1", "1.0", "\u0661"])
def test_public_page_number_out_of_range_or_malformed_is_400(tenant_a, client_for, raw) -> None:
    _error(client_for(tenant_a).get("/api/v1/pages/", {"page": raw}), 400, "page")


def test_public_page_past_the_last_is_404_and_page_one_always_exists(
    tenant_a, in_tenant, client_for
) -> None:
    client = client_for(tenant_a)
    with in_tenant(tenant_a):
        published("Listed")
    first = client.get("/api/v1/pages/?page=1").json()
    assert first["count"] >= 1 and first["results"]
    _error(client.get("/api/v1/pages/?page=2"), 404)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/editor/pages/{BIG}/",
        f"/api/v1/editor/pages/{BIG}/render/",
        f"/api/v1/editor/pages/1/revisions/{BIG}/restore/",
        f"/api/v1/editor/media/{BIG}/",
    ],
)
def test_huge_ids_in_paths_are_404(tenant_a, editor_client, url) -> None:
    client = editor_client(tenant_a)
    method = client.post if url.endswith("restore/") else client.get
    _error(method(url), 404)


def test_huge_ids_in_filters_and_bodies_are_refused(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)
    _error(editor.get(f"/api/v1/editor/pages/?parent={BIG}"), 400, "parent")
    body = {"title_en": "Orphan", "slug": "orphan", "parent": int(BIG)}
    # a well-formed id that names nothing: a content rule (422), not a malformed request
    _error(editor.post("/api/v1/editor/pages/", body, content_type=JSON), 422, "parent")


@pytest.mark.parametrize(
    "url,field",
    [
        ("/api/v1/site/?lang=a%00b", "lang"),
        ("/api/v1/redirects/resolve/?path=/a%00b/", "path"),
        ("/api/v1/pages/?lang=%00", "lang"),
        ("/api/v1/preview/x/?lang=%00", "lang"),
    ],
)
def test_nul_in_public_query_strings_is_400(tenant_a, client_for, url, field) -> None:
    _error(client_for(tenant_a).get(url), 400, field)


def test_nul_in_editor_queries_and_bodies_is_400(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)
    _error(editor.get("/api/v1/editor/pages/?q=a%00b"), 400, "q")
    body = {"title_en": "a\x00b", "slug": "nul"}
    _error(editor.post("/api/v1/editor/pages/", body, content_type=JSON), 400, "title_en")
    links = {"social_links": [{"network": "x", "url": "a\x00"}]}
    _error(editor.patch("/api/v1/editor/settings/", links, content_type=JSON), 400, "social_links")


def test_nul_and_odd_unicode_in_paths_are_404(tenant_a, client_for) -> None:
    client = client_for(tenant_a)
    for path in ("/api/v1/pages/a%00b/", "/api/v1/pages/%ff/", "/api/v1/pages/%ed%a0%80/"):
        _error(client.get(path), 404)


def test_lone_surrogates_in_bodies_are_400(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)
    raw = '{"title_en": "a\\ud800", "slug": "surrogate"}'  # valid JSON, not valid UTF-8 text
    _error(editor.post("/api/v1/editor/pages/", raw, content_type=JSON), 400, "title_en")


def test_dates_the_database_cannot_hold_are_422(tenant_a, editor_client) -> None:
    body = {"title_en": "Old", "slug": "old", "publish_at": "0001-01-01T00:00:00+05:00"}
    resp = editor_client(tenant_a).post("/api/v1/editor/pages/", body, content_type=JSON)
    _error(resp, 422, "publish_at")


def test_redirect_path_too_long_once_normalised_is_422(tenant_a, editor_client) -> None:
    # 500 characters is the column's limit; normalising to /.../ made it 502 (a 500 before)
    body = {"old_path": "0", "new_path": "0" * 500}
    resp = editor_client(tenant_a).post("/api/v1/editor/redirects/", body, content_type=JSON)
    _error(resp, 422, "new_path")


@pytest.mark.parametrize(
    "field,value",
    [("title_en", 5), ("order", "5"), ("order", 5.0), ("is_home", 1), ("is_home", "true"),
     ("parent", "1"), ("parent", True), ("publish_at", 5)],
)  # fmt: skip
def test_json_values_of_the_wrong_type_are_400(tenant_a, editor_client, field, value) -> None:
    body = {"title_en": "Typed", "slug": "typed", field: value}
    resp = editor_client(tenant_a).post("/api/v1/editor/pages/", body, content_type=JSON)
    _error(resp, 400, field)


def test_choices_must_match_in_type_and_strings_are_kept_as_sent(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)
    body = {"old_path": "/from/", "new_path": "/to/", "status_code": "302"}
    _error(editor.post("/api/v1/editor/redirects/", body, content_type=JSON), 400, "status_code")
    ok = editor.post("/api/v1/editor/redirects/", {**body, "status_code": 302}, content_type=JSON)
    assert ok.status_code == 201 and ok.json()["status_code"] == 302
    hero = editor.post("/api/v1/editor/heroes/", {"name": "  Spaced  "}, content_type=JSON)
    assert hero.status_code == 201 and hero.json()["name"] == "  Spaced  "  # no trimming


def test_read_only_keys_sent_back_are_ignored(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)
    page = editor.post(
        "/api/v1/editor/pages/", {"title_en": "Round", "slug": "round"}, content_type=JSON
    ).json()
    again = editor.put(
        f"/api/v1/editor/pages/{page['id']}/",
        {**page, "path": "elsewhere", "status": "published", "id": 1},
        content_type=JSON,
    )
    assert again.status_code == 200, again.content
    assert again.json()["path"] == "round" and again.json()["status"] == "draft"
    _error(
        editor.patch(f"/api/v1/editor/pages/{page['id']}/", {"titel": "x"}, content_type=JSON),
        400,
        "titel",
    )


def test_nested_errors_are_flattened_into_the_error_body(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)
    links = {"social_links": [{"network": "x", "url": "u", "extra": 1}, {"network": 5}]}
    body = _error(
        editor.patch("/api/v1/editor/settings/", links, content_type=JSON), 400, "social_links"
    )
    assert any("extra" in m for m in body["errors"]["social_links"])


def test_bodies_are_json_and_uploads_multipart(tenant_a, editor_client, client_for) -> None:
    editor = editor_client(tenant_a)
    form = editor.post("/api/v1/editor/heroes/", {"name": "Form"})  # multipart form
    _error(form, 415)
    _error(editor.post("/api/v1/editor/media/", json.dumps({"file": "x"}), content_type=JSON), 415)
    contact = client_for(tenant_a).post(
        "/api/v1/contact/", "name=A&email=a@b.test&message=hello",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    _error(contact, 415)


def test_urls_are_checked_as_documented(tenant_a, editor_client) -> None:
    """`format: uri` + `^https?://[^/?#]`: a one-letter top-level domain is well-formed, an
    empty host or a broken %-escape is not (Django's URLValidator differed on both sides)."""
    editor = editor_client(tenant_a)

    def partner(url: str):
        return editor.post("/api/v1/editor/partners/", {"name": "P", "url": url}, content_type=JSON)

    long_host = "https://" + ".".join(["0" * 63, "a" * 63, "a" * 62, "a"])
    for good in (long_host, "http://example.test/a?b=c#d", "http://a%20b/", ""):
        assert partner(good).status_code == 201, good
    for bad in (
        "ftp://example.test/",
        "https://a b.test/",
        "https://",
        "http://",
        "http://a%zz/",
        "http://[",
        "example.test",
        "https://é.test",
    ):
        _error(partner(bad), 400, "url")


def test_parameters_and_form_fields_given_twice_are_400(tenant_a, editor_client) -> None:
    """Every parameter is single; DRF and Django would silently read the last value."""
    editor = editor_client(tenant_a)
    _error(editor.get("/api/v1/editor/pages/?page=abc&page=1"), 400, "page")
    _error(editor.get("/api/v1/editor/pages/?status=draft&status=draft"), 400, "status")
    _error(editor_client(tenant_a).get("/api/v1/site/?lang=en&lang=ar"), 400, "lang")
    from django.core.files.uploadedfile import SimpleUploadedFile
    from media.conftest import image_bytes

    upload = {"file": SimpleUploadedFile("a.png", image_bytes("PNG")), "alt_en": ["a", "b"]}
    _error(editor.post("/api/v1/editor/media/", upload), 400, "alt_en")


@pytest.mark.parametrize("query", ["ordering=", "ordering=path,", "status=", "is_home="])
def test_typed_filters_given_empty_are_400(tenant_a, editor_client, query) -> None:
    resp = editor_client(tenant_a).get(f"/api/v1/editor/pages/?{query}")
    _error(resp, 400, query.split("=")[0])
