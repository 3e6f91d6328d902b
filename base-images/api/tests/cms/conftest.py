"""Fixtures of the content tests: per-tenant content helpers on top of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache(clear_cache: Callable[[], int]) -> Iterator[None]:
    # DB writes roll back after each test but Redis does not: start every test cold.
    clear_cache()
    yield


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


@contextmanager
def count_redis_commands() -> Iterator[list[bytes]]:
    """The packed commands every redis-py connection sends meanwhile (a pipeline is one):
    the number of Redis round trips."""
    import redis

    sent: list[bytes] = []
    real = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return real(self, command, *args, **kwargs)

    redis.connection.AbstractConnection.send_packed_command = counting
    try:
        yield sent
    finally:
        redis.connection.AbstractConnection.send_packed_command = real
