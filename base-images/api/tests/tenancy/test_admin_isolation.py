"""Each tenant has its own editors: an admin of one tenant cannot log in to another."""

import pytest
from conftest import ADMIN_PASSWORD


def _login(client, host: str, username: str, password: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        HTTP_HOST=host,
    )


@pytest.mark.django_db
def test_admin_login_is_per_tenant(client, tenant_a, tenant_b):
    a_admin, b_admin = "admin@a.apitest.localhost", "admin@b.apitest.localhost"

    ok = _login(client, "a.apitest.localhost", a_admin, ADMIN_PASSWORD)
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/", HTTP_HOST="a.apitest.localhost").status_code == 200

    # the session cookie of tenant A means nothing on tenant B (its own sessions table)
    assert client.get("/admin/", HTTP_HOST="b.apitest.localhost").status_code == 302

    client.logout()
    refused = _login(client, "b.apitest.localhost", a_admin, ADMIN_PASSWORD)
    assert refused.status_code == 200  # the form again, with an error
    assert "Please enter the correct" in refused.content.decode()

    ok_b = _login(client, "b.apitest.localhost", b_admin, ADMIN_PASSWORD)
    assert ok_b.status_code == 302


@pytest.mark.django_db
def test_users_live_in_their_tenant_schema(tenant_a, tenant_b):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    with schema_context("apitest_a"):
        assert list(get_user_model().objects.values_list("username", flat=True)) == [
            "admin@a.apitest.localhost"
        ]
    with schema_context("apitest_b"):
        assert list(get_user_model().objects.values_list("username", flat=True)) == [
            "admin@b.apitest.localhost"
        ]
