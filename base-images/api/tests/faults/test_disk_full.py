"""A full media disk: the upload is a clear 507, nothing half-written stays, other writes go on."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from media.conftest import image_bytes

pytestmark = pytest.mark.django_db


def _noise_png(side: int) -> bytes:
    import io

    from PIL import Image

    # random pixels do not compress: the PNG is about side*side*3 bytes
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("side", [700, 1000], ids=["in-memory upload", "temp-file upload"])
def test_upload_on_full_disk_is_507_and_leaves_nothing(
    tenant_a, in_tenant, editor_client, tiny_disk, settings, side: int
) -> None:
    from mortar_api.cms.models import Page
    from mortar_api.media.models import MediaAsset

    settings.MEDIA_ROOT = str(tiny_disk)
    big = _noise_png(side)  # 1.5 MB (kept in memory) or 3 MB (spooled to a temp file)
    assert len(big) > 1024 * 1024
    client = editor_client(tenant_a)
    # The request in a savepoint of its own, as each request is its own transaction on a
    # server (the test's wrapping transaction would otherwise carry the failed save's mark).
    with transaction.atomic():
        resp = client.post("/api/v1/editor/media/", {"file": SimpleUploadedFile("big.png", big)})
    assert resp.status_code == 507, resp.content[:300]
    assert resp["Retry-After"].isdigit()
    assert "storage is full" in resp.json()["detail"]
    assert [p for p in tiny_disk.rglob("*") if p.is_file()] == []  # no partial file
    with in_tenant(tenant_a):
        assert not MediaAsset.objects.exists()

    # other writes keep working: a small upload onto the same disk, and a page save
    small = client.post(
        "/api/v1/editor/media/", {"file": SimpleUploadedFile("s.png", image_bytes())}
    )
    assert small.status_code == 201, small.content[:300]
    page = client.post(
        "/api/v1/editor/pages/",
        {"title_en": "Still writable", "slug": "still-writable"},
        content_type="application/json",
    )
    assert page.status_code == 201, page.content[:300]
    with in_tenant(tenant_a):
        assert MediaAsset.objects.count() == 1 and Page.objects.filter(title="Still writable")
