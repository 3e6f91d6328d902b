"""Uploads are judged by content, size and pixel count; a refused file is never stored."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from media.conftest import image_bytes

pytestmark = pytest.mark.django_db


def upload(client, name: str, data: bytes, content_type: str = "image/png", **extra):
    return client.post(
        "/api/v1/editor/media/",
        {"file": SimpleUploadedFile(name, data, content_type=content_type), **extra},
    )


def media_files(schema: str) -> list[str]:
    root = Path(os.environ["MORTAR_TEST_MEDIA_ROOT"]) / schema
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_valid_upload_shape_and_tenant_path(tenant_a, editor_client) -> None:
    resp = upload(
        editor_client(tenant_a), "Photo.PNG", image_bytes(), alt_en="A red box", alt_ar="صندوق"
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["mime_type"] == "image/png" and body["size"] > 0
    image = body["image"]
    assert image["url"].startswith("/media/apitest_a/images/") and image["url"].endswith(".png")
    assert (image["width"], image["height"], image["alt"]) == (1000, 600, "A red box")
    assert image["renditions"] == []  # made later by the worker
    assert any(p.endswith(image["url"].rsplit("/", 1)[-1]) for p in media_files("apitest_a"))


def test_read_only_fields_sent_back_are_ignored(tenant_a, editor_client) -> None:
    """What a GET gave may be sent back: read-only fields are accepted and ignored, in a form
    as in JSON (the document says so; it no longer calls them readOnly, which OpenAPI reads
    as "must not be sent")."""
    client = editor_client(tenant_a)
    # a list in a form is the field given twice: still ignored (a writable one would be a 400)
    resp = upload(client, "p.png", image_bytes(), size=["1", "2"], mime_type="text/html")
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["mime_type"] == "image/png" and body["size"] == len(image_bytes())
    again = client.patch(
        f"/api/v1/editor/media/{body['id']}/",
        {**{k: v for k, v in body.items() if k != "image"}, "size": -1, "title": "Kept"},
        content_type="application/json",
    )
    assert again.status_code == 200, again.json()
    assert again.json()["size"] == body["size"] and again.json()["title"] == "Kept"
    twice = upload(client, "q.png", image_bytes(), title=["a", "b"])
    assert twice.status_code == 400 and twice.json()["errors"]["title"] == ["Give this field once."]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.png", b"<?php system($_GET['c']); ?>" * 10, "Not a valid image"),
        ("fake.jpg", b"%PDF-1.4\n" + b"0" * 500, "Not a valid image"),
        ("truncated.png", image_bytes()[:60], "Not a valid image"),
        ("anim.bmp", image_bytes("BMP", (10, 10)), "Unsupported image format"),
        ("empty.png", b"", "empty"),
    ],
)
def test_bad_content_is_refused(
    tenant_a, editor_client, name: str, data: bytes, message: str
) -> None:
    from mortar_api.media.models import MediaAsset

    before = media_files("apitest_a")
    resp = upload(editor_client(tenant_a), name, data)
    assert resp.status_code == 422  # matches the document (a binary part), breaks a content rule
    assert any(message.lower() in m.lower() for m in resp.json()["errors"]["file"]), resp.json()
    assert media_files("apitest_a") == before
    from django_tenants.utils import tenant_context

    with tenant_context(tenant_a):
        assert not MediaAsset.objects.exists()


def test_too_large_is_refused(tenant_a, editor_client, settings) -> None:
    data = image_bytes(size=(300, 300))
    settings.MORTAR_MEDIA_MAX_UPLOAD_BYTES = len(data) - 1
    resp = upload(editor_client(tenant_a), "big.png", data)
    assert resp.status_code == 422
    assert "too large" in resp.json()["errors"]["file"][0]


def test_oversized_multipart_body_is_413(tenant_a, editor_client, settings) -> None:
    settings.MORTAR_MEDIA_MAX_UPLOAD_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = upload(editor_client(tenant_a), "huge.png", os.urandom(200_000))
    assert resp.status_code == 413 and resp.json()["detail"]


def test_decompression_bomb_is_refused(tenant_a, editor_client) -> None:
    # 12 000 x 12 000 one-bit pixels: a ~20 KB PNG that would decode to 144 megapixels.
    bomb = image_bytes(size=(12_000, 12_000), mode="1")
    assert len(bomb) < 200_000
    resp = upload(editor_client(tenant_a), "bomb.png", bomb)
    assert resp.status_code == 422
    assert "dimensions are too large" in resp.json()["errors"]["file"][0]


def test_pillow_bomb_guard_also_refused(tenant_a, in_tenant, settings) -> None:
    """Past Pillow's own MAX_IMAGE_PIXELS too (a site raising our limit keeps Pillow's guard)."""
    from django.core.exceptions import ValidationError
    from mortar_api.media.models import MediaAsset
    from PIL import Image

    settings.MORTAR_MEDIA_MAX_PIXELS = 10**12
    bomb = image_bytes(size=(12_000, 12_000), mode="1")
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 50_000_000
    try:
        with in_tenant(tenant_a), pytest.raises(ValidationError, match="too large"):
            MediaAsset(file=SimpleUploadedFile("b.png", bomb)).save()
    finally:
        Image.MAX_IMAGE_PIXELS = old


def test_model_save_validates_too(tenant_a, in_tenant) -> None:
    from django.core.exceptions import ValidationError
    from mortar_api.media.models import MediaAsset

    with in_tenant(tenant_a), pytest.raises(ValidationError):
        MediaAsset(file=SimpleUploadedFile("x.png", b"not an image")).save()


def test_assets_are_per_tenant(tenant_a, tenant_b, editor_client) -> None:
    assert upload(editor_client(tenant_a), "a.png", image_bytes(size=(10, 10))).status_code == 201
    assert editor_client(tenant_a).get("/api/v1/editor/media/").json()["count"] >= 1
    assert editor_client(tenant_b).get("/api/v1/editor/media/").json()["results"] == []


def test_patch_changes_metadata_not_file(tenant_a, editor_client) -> None:
    client = editor_client(tenant_a)
    asset = upload(client, "a.png", image_bytes(size=(10, 10))).json()
    resp = client.patch(
        f"/api/v1/editor/media/{asset['id']}/",
        {"alt_en": "new alt"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["image"]["alt"] == "new alt"
    bad = client.patch(
        f"/api/v1/editor/media/{asset['id']}/", {"file": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "file" in bad.json()["errors"]


def test_io_bytes_validation_unit() -> None:
    from django.core.exceptions import ValidationError
    from mortar_api.media.validation import validate_image

    info = validate_image(io.BytesIO(image_bytes("JPEG", (40, 20))))
    assert (info.format, info.mime_type, info.width, info.height) == ("JPEG", "image/jpeg", 40, 20)
    with pytest.raises(ValidationError):
        validate_image(io.BytesIO(b"GIF89a" + b"\x00" * 20))


def test_admin_upload_form_shows_the_error(tenant_a, in_tenant, client_for) -> None:
    from django.contrib.auth import get_user_model
    from mortar_api.media.models import MediaAsset

    client = client_for(tenant_a)
    with in_tenant(tenant_a):
        client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    bad = client.post(
        "/admin/media/mediaasset/add/",
        {"file": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>"), "title": "t"},
    )
    assert bad.status_code == 200 and b"Not a valid image" in bad.content
    good = client.post(
        "/admin/media/mediaasset/add/",
        {"file": SimpleUploadedFile("ok.png", image_bytes(size=(30, 20))), "title": "ok"},
    )
    assert good.status_code == 302
    with in_tenant(tenant_a):
        asset = MediaAsset.objects.get()
        assert (asset.width, asset.height, asset.mime_type) == (30, 20, "image/png")
