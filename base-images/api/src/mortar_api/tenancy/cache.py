"""Tenant-aware cache keys with the site's Redis prefix first.

``<prefix>:cache:<schema>:<version>:<key>``: the prefix must lead because the site's Redis
ACL user may only touch ``<prefix>:*`` (django-tenants' own make_key puts the schema first).
"""

from __future__ import annotations

from django.db import connection


def current_schema_name() -> str:
    return getattr(connection, "schema_name", None) or "public"


def make_key(key: str, key_prefix: str, version: int | str) -> str:
    return f"{key_prefix}:cache:{current_schema_name()}:{version}:{key}"
