"""``TenantS3Storage``: the S3 backend of a site whose media are in a bucket.

Apart from objectstore so that importing objectstore (its middleware is in every api)
does not import django-storages' S3 backend and boto3 (~25 MiB per process) on a site
whose media are on local disk; STORAGES names it as
``mortar_api.media.objectstore.TenantS3Storage``, which loads this module on first use.
"""

from __future__ import annotations

from django.db import connection
from storages.backends.s3 import S3Storage

from mortar_api.media.objectstore import OutsideTenantError


class TenantS3Storage(S3Storage):  # type: ignore[misc,valid-type]
    """S3Storage whose writes and deletes stay inside the active tenant's ``<schema>/``."""

    def _guard(self, name: str) -> None:
        from django_tenants.utils import get_public_schema_name

        schema = getattr(connection, "schema_name", None)
        if not schema or schema == get_public_schema_name():
            return  # platform code (tenant removal, shell): no tenant to confine to
        parts = name.replace("\\", "/").split("/")
        if parts[0] != schema or ".." in parts or "" in parts[1:]:
            raise OutsideTenantError(f"storage name {name!r} is outside tenant {schema!r}")

    def _save(self, name: str, content) -> str:
        self._guard(name)
        return super()._save(name, content)

    def delete(self, name: str) -> None:
        self._guard(name)
        super().delete(name)
