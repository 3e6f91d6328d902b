"""Helpers of the login-lockout tests: admin and token logins from a chosen client address."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cms.conftest import admin_client_for  # noqa: F401  (a fixture, reused here)

# What the shared nginx sends: REMOTE_ADDR is nginx itself, X-Forwarded-For ends with the
# visitor's address (anything before it is whatever the visitor sent).
NGINX = "127.0.0.1"


def via_nginx(visitor: str, spoofed: str | None = None) -> dict[str, str]:
    forwarded = f"{spoofed}, {visitor}" if spoofed else visitor
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.fixture
def admin_login(client_for: Callable) -> Callable:
    """``admin_login(tenant, username, password, **meta)`` -> the admin login's response."""

    def post(tenant, username: str, password: str, **meta: str):
        return client_for(tenant).post(
            "/admin/login/?next=/admin/", {"username": username, "password": password}, **meta
        )

    return post


@pytest.fixture
def token_login(client_for: Callable) -> Callable:
    """``token_login(tenant, username, password, **meta)`` -> POST /api/v1/auth/token/."""

    def post(tenant, username: str, password: str, **meta: str):
        return client_for(tenant).post(
            "/api/v1/auth/token/",
            {"username": username, "password": password},
            content_type="application/json",
            **meta,
        )

    return post


def make_user(tenant, username: str, password: str, *, staff: bool = True):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        return get_user_model().objects.create_user(
            username=username, password=password, is_staff=staff
        )


def attempts(tenant) -> list[tuple[str, str, int]]:
    """(username, ip_address, failures) recorded in the tenant's own schema."""
    from axes.models import AccessAttempt
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        return sorted(
            AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")
        )
