"""Fixtures of the media tests: image bytes made with Pillow, an editor client."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def _fresh_cache(clear_cache: Callable[[], int]) -> Iterator[None]:
    clear_cache()
    yield


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (1000, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color=1 if mode == "1" else (200, 30, 30)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def editor_client(client_for: Callable) -> Callable:
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    def make(tenant):
        with tenant_context(tenant):
            user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            token, _ = Token.objects.get_or_create(user=user)
        return client_for(tenant, HTTP_AUTHORIZATION=f"Token {token.key}")

    return make


@pytest.fixture
def in_tenant() -> Callable:
    from django_tenants.utils import tenant_context

    return tenant_context
