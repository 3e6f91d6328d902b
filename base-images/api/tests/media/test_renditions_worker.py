"""Renditions are made by a real Celery worker, in the uploading tenant's folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from media.conftest import image_bytes
from PIL import Image

pytestmark = pytest.mark.worker


def test_webp_renditions_and_site_shape(
    celery_worker, committed_db, tenant_a, editor_client, client_for
) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import Partner
    from mortar_api.media.models import MediaAsset

    client = editor_client(tenant_a)
    resp = client.post(
        "/api/v1/editor/media/", {"file": SimpleUploadedFile("logo.jpg", image_bytes("JPEG"))}
    )
    assert resp.status_code == 201, resp.json()
    asset_id = resp.json()["id"]
    try:
        with tenant_context(tenant_a):
            Partner.objects.create(name="Logo Co", logo_id=asset_id)
        public = client_for(tenant_a)
        public.get("/api/v1/site/")  # cached now, maybe before the renditions exist
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with tenant_context(tenant_a):
                asset = MediaAsset.objects.get(pk=asset_id)
            if asset.renditions:
                break
            time.sleep(0.2)
        assert [r["width"] for r in asset.renditions] == [320, 768]  # 1280 > 1000: never upscaled
        root = Path(os.environ["MORTAR_TEST_MEDIA_ROOT"])
        for r in asset.renditions:
            assert r["name"].startswith("apitest_a/images/") and r["name"].endswith(
                f".{r['width']}.webp"
            )
            with Image.open(root / r["name"]) as img:
                assert img.format == "WEBP" and img.width == r["width"]
        # the task invalidated the cache: the public shape lists the renditions at once
        logo = public.get("/api/v1/site/").json()["partners"][0]["logo"]
        assert [(r["width"], r["url"]) for r in logo["renditions"]] == [
            (r["width"], "/media/" + r["name"]) for r in asset.renditions
        ]
    finally:
        with tenant_context(tenant_a):
            Partner.objects.all().delete()
            for a in MediaAsset.objects.all():
                a.delete()
    assert not any((root / r["name"]).exists() for r in asset.renditions)  # files go with the asset
