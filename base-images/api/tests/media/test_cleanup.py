"""Nightly cleanup: expired sessions and media files no asset refers to (per tenant)."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from media.conftest import image_bytes

pytestmark = pytest.mark.django_db


def test_nightly_cleanup(tenant_a, tenant_b, in_tenant) -> None:
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from mortar_api.cms.tasks import nightly_cleanup
    from mortar_api.media.models import MediaAsset

    root = Path(os.environ["MORTAR_TEST_MEDIA_ROOT"])
    day_ago = time.time() - 2 * 86400
    with in_tenant(tenant_a):
        asset = MediaAsset(file=SimpleUploadedFile("kept.png", image_bytes(size=(20, 20))))
        asset.save()
        Session.objects.create(
            session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
        )
        Session.objects.create(
            session_key="y" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1)
        )
    kept = root / asset.file.name
    os.utime(kept, (day_ago, day_ago))
    old_orphan = root / "apitest_a/images/old-orphan.png"
    new_orphan = root / "apitest_a/images/sub/new-orphan.png"
    b_file = root / "apitest_b/images/b-orphan.png"
    for f in (old_orphan, new_orphan, b_file):
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"x")
    os.utime(old_orphan, (day_ago, day_ago))
    os.utime(b_file, (day_ago, day_ago))
    try:
        with in_tenant(tenant_a):
            result = nightly_cleanup()
            assert result == {"sessions": 1, "files": 1}
            assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]
        assert kept.exists() and new_orphan.exists() and b_file.exists()  # B untouched
        assert not old_orphan.exists()
    finally:
        for f in (kept, new_orphan, b_file):
            f.unlink(missing_ok=True)
