"""Media of each tenant lives under MEDIA_ROOT/<schema>/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from mortar_api.tenancy.storage import NoTenantError, tenant_media_path, tenant_upload_to


def test_upload_to_is_tenant_scoped_and_unique():
    upload_to = tenant_upload_to("images")
    with schema_context("apitest_a"):
        a1, a2 = upload_to(None, "My Photo!.PNG"), upload_to(None, "My Photo!.PNG")
    with schema_context("apitest_b"):
        b = upload_to(None, "../../etc/passwd")
    assert a1.startswith("apitest_a/images/My_Photo-") and a1.endswith(".png")
    assert a1 != a2
    assert b.startswith("apitest_b/images/passwd-")


def test_upload_to_is_serialisable_for_migrations():
    path, args, _kwargs = tenant_upload_to("docs").deconstruct()
    assert path == "mortar_api.tenancy.storage.TenantUploadTo"
    assert args == ("docs",)


def test_public_schema_and_traversal_are_refused():
    with schema_context("public"), pytest.raises(NoTenantError):
        tenant_media_path("images", "x.png")
    with schema_context("apitest_a"), pytest.raises(ValueError, match="escapes"):
        tenant_media_path("../apitest_b", "x.png")


@pytest.mark.django_db
def test_files_land_in_the_tenant_folder(tenant_a, tenant_b):
    with schema_context("apitest_a"):
        name_a = default_storage.save(tenant_upload_to("t")(None, "a.txt"), ContentFile(b"A"))
    with schema_context("apitest_b"):
        name_b = default_storage.save(tenant_upload_to("t")(None, "b.txt"), ContentFile(b"B"))
    root = Path(settings.MEDIA_ROOT)
    assert (root / name_a).read_bytes() == b"A" and name_a.startswith("apitest_a/")
    assert (root / name_b).read_bytes() == b"B" and name_b.startswith("apitest_b/")
    assert default_storage.url(name_a).startswith("/media/apitest_a/")
    default_storage.delete(name_a)
    default_storage.delete(name_b)
