"""Tenant-aware media paths: every tenant's files live under ``MEDIA_ROOT/<schema>/``.

Use ``upload_to=tenant_upload_to("images")`` on a FileField; URLs come out as
``/media/<schema>/images/<name>`` and work on any of the tenant's domains.
"""

from __future__ import annotations

import os
import posixpath
import uuid

from django.db import connection
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename
from django_tenants.utils import get_public_schema_name


class NoTenantError(RuntimeError):
    """Media written outside a tenant would be shared by every tenant; refuse it."""


def tenant_schema() -> str:
    schema = getattr(connection, "schema_name", None)
    if not schema or schema == get_public_schema_name():
        raise NoTenantError(
            "media paths need an active tenant (connection is on the public schema)"
        )
    return schema


def tenant_media_path(*parts: str) -> str:
    """``tenant_media_path("images", "a.png")`` -> ``"<schema>/images/a.png"`` (storage name)."""
    clean = [p.strip("/") for p in parts if p and p.strip("/")]
    for part in clean:
        if ".." in part.split("/"):
            raise ValueError(f"path part escapes the tenant folder: {part!r}")
    return posixpath.join(tenant_schema(), *clean)


@deconstructible
class TenantUploadTo:
    """``upload_to`` callable (serialisable in migrations) storing under the tenant's folder.

    The name keeps a sanitised stem for humans plus a random part so two uploads never clash.
    """

    def __init__(self, subdir: str = "") -> None:
        self.subdir = subdir

    def __call__(self, instance: object, filename: str) -> str:
        stem, ext = os.path.splitext(os.path.basename(filename))
        stem = get_valid_filename(stem)[:40] or "file"
        return tenant_media_path(self.subdir, f"{stem}-{uuid.uuid4().hex[:12]}{ext.lower()[:10]}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TenantUploadTo) and other.subdir == self.subdir

    def __hash__(self) -> int:
        return hash(("TenantUploadTo", self.subdir))


def tenant_upload_to(subdir: str = "") -> TenantUploadTo:
    return TenantUploadTo(subdir)
