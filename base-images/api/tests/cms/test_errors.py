"""Bad input always gets a 4xx JSON body ``{"detail", "errors"}``, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _is_error_body(resp) -> bool:
    body = resp.json()
    return set(body) == {"detail", "errors"} and isinstance(body["detail"], str) and body["detail"]


def test_malformed_json(tenant_a, editor_client, client_for) -> None:
    for client, url in [
        (editor_client(tenant_a), "/api/v1/editor/pages/"),
        (client_for(tenant_a), "/api/v1/contact/"),
    ]:
        resp = client.post(url, '{"title_en": "x",', content_type="application/json")
        assert resp.status_code == 400
        assert _is_error_body(resp) and "JSON" in resp.json()["detail"]


def test_unknown_fields_are_rejected(tenant_a, editor_client, client_for) -> None:
    resp = editor_client(tenant_a).post(
        "/api/v1/editor/pages/",
        {"title_en": "X", "slug": "x", "colour": "red"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.json()["errors"] == {"colour": ["Unknown field."]}
    contact = client_for(tenant_a).post(
        "/api/v1/contact/",
        {"name": "A", "email": "a@b.test", "message": "hello", "is_admin": True},
        content_type="application/json",
    )
    assert contact.status_code == 400 and "is_admin" in contact.json()["errors"]


def test_non_object_json_body(tenant_a, editor_client) -> None:
    resp = editor_client(tenant_a).post(
        "/api/v1/editor/pages/", "[1, 2]", content_type="application/json"
    )
    assert resp.status_code == 400 and _is_error_body(resp)


def test_oversized_body_is_413(tenant_a, editor_client, client_for, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = '{"name": "' + "x" * 2000 + '"}'
    for client, url in [
        (client_for(tenant_a), "/api/v1/contact/"),
        (editor_client(tenant_a), "/api/v1/editor/pages/"),
    ]:
        resp = client.post(url, big, content_type="application/json")
        assert resp.status_code == 413 and _is_error_body(resp)


def test_unknown_api_urls_are_json_404(tenant_a, client_for) -> None:
    client = client_for(tenant_a)
    for url in ["/api/v1/nope/", "/api/v1/pages/a/b/c/?x=1", "/api/v1/pages/bad%20path/"]:
        resp = client.get(url)
        assert resp.status_code == 404 and _is_error_body(resp)


def test_root_urlconf_answers_json_404_outside_v1(tenant_a, client_for) -> None:
    resp = client_for(tenant_a).get("/api/v2/nothing-here/")
    assert resp.status_code == 404 and _is_error_body(resp)


def test_handlers_answer_json_under_api(rf) -> None:
    from mortar_api.cms import errors

    for handler, code in [
        (errors.handler404, 404),
        (errors.handler400, 400),
        (errors.handler403, 403),
    ]:
        resp = handler(rf.get("/api/other/"), Exception("x"))
        assert resp.status_code == code and resp["Content-Type"] == "application/json"
    assert errors.handler500(rf.get("/api/x/")).status_code == 500
    assert errors.handler500(rf.get("/api/x/"))["Content-Type"] == "application/json"


def test_bad_page_number_is_400(tenant_a, client_for) -> None:
    resp = client_for(tenant_a).get("/api/v1/pages/?page=abc")
    assert resp.status_code == 400 and "page" in resp.json()["errors"]
