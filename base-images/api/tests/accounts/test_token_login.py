"""POST /api/v1/auth/token/: a staff user's token; failures counted with the admin's; 429."""

from __future__ import annotations

import pytest
from accounts.conftest import attempts, make_user, via_nginx
from conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.django_db

A_ADMIN = "admin@a.apitest.localhost"
BAD = "Unable to log in with the provided username and password."


def _token_of(tenant, username: str) -> str:
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    with tenant_context(tenant):
        return Token.objects.get(user__username=username).key


def test_token_for_a_staff_user_works_on_the_editor_api(tenant_a, token_login, client_for) -> None:
    resp = token_login(tenant_a, A_ADMIN, ADMIN_PASSWORD)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/json"
    token = resp.json()["token"]
    assert resp.json() == {"token": _token_of(tenant_a, A_ADMIN)}
    editor = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {token}")
    assert editor.get("/api/v1/editor/pages/").status_code == 200
    # asked again: the same token
    assert token_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).json()["token"] == token


def test_errors_have_the_api_error_body(tenant_a, token_login, client_for) -> None:
    wrong = token_login(tenant_a, A_ADMIN, "wrong")
    assert wrong.status_code == 400
    assert wrong.json() == {"detail": BAD, "errors": {"non_field_errors": [BAD]}}

    missing = client_for(tenant_a).post(
        "/api/v1/auth/token/", {"username": A_ADMIN}, content_type="application/json"
    )
    assert missing.status_code == 400 and set(missing.json()["errors"]) == {"password"}

    unknown = client_for(tenant_a).post(
        "/api/v1/auth/token/",
        {"username": A_ADMIN, "password": ADMIN_PASSWORD, "remember": True},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json()["errors"] == {
        "remember": ["Unknown field."]
    }

    nul = token_login(tenant_a, "a\x00b", "x")
    assert nul.status_code == 400 and "username" in nul.json()["errors"]
    assert client_for(tenant_a).get("/api/v1/auth/token/").status_code == 405
    # none of these was a login attempt except the wrong password
    assert attempts(tenant_a) == [(A_ADMIN, "127.0.0.1", 1)]


def test_only_staff_get_a_token(tenant_a, token_login) -> None:
    make_user(tenant_a, "member@a.apitest.localhost", "member-password", staff=False)
    resp = token_login(tenant_a, "member@a.apitest.localhost", "member-password")
    assert resp.status_code == 403
    assert resp.json() == {"detail": "This account may not use the editor API.", "errors": {}}


def test_token_login_is_locked_out_with_429(tenant_a, token_login) -> None:
    for _ in range(4):
        assert token_login(tenant_a, A_ADMIN, "wrong").status_code == 400
    locked = token_login(tenant_a, A_ADMIN, "wrong")
    assert locked.status_code == 429
    assert locked.json() == {
        "detail": "Too many failed login attempts: try again in 15 minutes.",
        "errors": {},
    }
    assert locked["Retry-After"] == "900"
    assert token_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).status_code == 429
    # another client address is not locked
    assert (
        token_login(tenant_a, A_ADMIN, ADMIN_PASSWORD, **via_nginx("198.51.100.4")).status_code
        == 200
    )


def test_admin_and_token_failures_share_one_count(tenant_a, token_login, admin_login) -> None:
    for _ in range(3):
        admin_login(tenant_a, A_ADMIN, "wrong")
    assert token_login(tenant_a, A_ADMIN, "wrong").status_code == 400
    assert token_login(tenant_a, A_ADMIN, "wrong").status_code == 429
    assert admin_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).status_code == 429


def test_success_forgets_earlier_failures(tenant_a, token_login) -> None:
    for _ in range(4):
        token_login(tenant_a, A_ADMIN, "wrong")
    assert token_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).status_code == 200
    assert attempts(tenant_a) == []
    for _ in range(4):
        assert token_login(tenant_a, A_ADMIN, "wrong").status_code == 400


def test_token_lockout_is_per_tenant(tenant_a, tenant_b, token_login) -> None:
    make_user(tenant_b, A_ADMIN, "b-side-password")
    for _ in range(5):
        token_login(tenant_a, A_ADMIN, "wrong")
    assert token_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).status_code == 429
    resp = token_login(tenant_b, A_ADMIN, "b-side-password")
    assert resp.status_code == 200 and resp.json()["token"] == _token_of(tenant_b, A_ADMIN)


def test_openapi_declares_the_token_endpoint(tenant_a, client_for) -> None:
    doc = client_for(tenant_a).get("/api/schema/?format=json").json()
    op = doc["paths"]["/api/v1/auth/token/"]["post"]
    assert op["operationId"] == "auth_token"
    assert {"200", "400", "403", "413", "415", "429"} <= set(op["responses"])
    schemas = doc["components"]["schemas"]
    # 414 is the web server's own HTML page (a request line over its limit), see cms.openapi
    for code in set(op["responses"]) - {"200", "414"}:
        ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
        assert set(schemas[ref.rsplit("/", 1)[1]]["properties"]) == {"detail", "errors"}, code
    body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    request = schemas[body]
    assert set(request["required"]) == {"username", "password"}
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert schemas[ok.rsplit("/", 1)[1]]["required"] == ["token"]
    assert op.get("security") in (None, [], [{}])  # no credentials needed
