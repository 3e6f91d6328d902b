"""Fixtures of the content tests: per-tenant content helpers on top of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(clear_cache: Callable[[], int]) -> Iterator[None]:
    # DB writes roll back after each test but Redis does not: start every test cold.
    clear_cache()
    yield


@pytest.fixture
def in_tenant() -> Callable:
    """``with in_tenant(tenant): ...`` runs ORM code in the tenant's schema."""
    from django_tenants.utils import tenant_context

    return tenant_context


@pytest.fixture
def editor_client(client_for: Callable) -> Callable:
    """``editor_client(tenant)`` -> a Client sending the tenant admin's API token."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    def make(tenant):
        with tenant_context(tenant):
            user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            token, _ = Token.objects.get_or_create(user=user)
        return client_for(tenant, HTTP_AUTHORIZATION=f"Token {token.key}")

    return make


def make_page(title: str, slug: str | None = None, **fields):
    from mortar_api.cms.models import Page

    page = Page(title=title, slug=slug or title.lower().replace(" ", "-"), **fields)
    page.save()
    return page


def published(title: str, **fields):
    return make_page(title, status="published", **fields)


@pytest.fixture
def admin_client_for(client_for: Callable) -> Callable:
    """``admin_client_for(tenant)`` -> a Client logged in as that tenant's admin."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    def make(tenant):
        client = client_for(tenant)
        with tenant_context(tenant):
            client.force_login(
                get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            )
        return client

    return make
