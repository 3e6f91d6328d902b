"""Fixtures of the media tests: image bytes made with Pillow (editor_client: tests/conftest.py)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from cms.conftest import admin_client_for  # noqa: F401  (a fixture, reused here)
from PIL import Image


@pytest.fixture(autouse=True)
def _fresh_cache(clear_cache: Callable[[], int]) -> Iterator[None]:
    clear_cache()
    yield


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (1000, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color=1 if mode == "1" else (200, 30, 30)).save(out, fmt)
    return out.getvalue()
