"""Building blocks of ``mortar_api.settings`` that a site's settings module reuses.

A site's settings do ``from mortar_api.settings import *`` and then, for example::

    TENANT_APPS = [*TENANT_APPS, "acme_blog"]
    INSTALLED_APPS = build_installed_apps(SHARED_APPS, TENANT_APPS)
    ROOT_URLCONF = "acme.urls"            # a urls.py that includes mortar_api.urls
    add_template_dir(TEMPLATES, BASE_DIR / "templates")

See docs/extending.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

# also importable from here, as before: the rule itself is the contract's
from mortar_contract.hosts import normalise_host


def build_installed_apps(shared_apps: Sequence[str], tenant_apps: Sequence[str]) -> list[str]:
    """INSTALLED_APPS as django-tenants wants it: shared apps first, then tenant-only apps.

    Order is kept (modeltranslation, a shared app, must come before the admin) and an app
    listed in both lists appears once.
    """
    apps: list[str] = []
    for app in [*shared_apps, *tenant_apps]:
        if app not in apps:
            apps.append(app)
    return apps


def add_template_dir(templates: list[dict[str, Any]], directory: str | os.PathLike[str]) -> None:
    """Put ``directory`` first in the Django template engine's DIRS (site templates win)."""
    dirs = templates[0].setdefault("DIRS", [])
    path = Path(directory)
    if path not in dirs:
        dirs.insert(0, path)


def parse_languages(value: str, supported: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """``"en,ar"`` -> ``[("en", "English"), ("ar", "العربيّة")]``; the first is the default.

    Only codes Django knows (and, given ``supported``, that the content columns exist
    for) are accepted, so a typo fails at start-up, not in a migration.
    """
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    if not codes:
        raise ImproperlyConfigured("MORTAR_LANGUAGES is empty; give at least one code, e.g. 'en'")
    unknown = [c for c in codes if c not in LANG_INFO or "name" not in LANG_INFO[c]]
    if unknown:
        raise ImproperlyConfigured(f"MORTAR_LANGUAGES has unknown language code(s): {unknown}")
    if supported is not None and (missing := [c for c in codes if c not in supported]):
        raise ImproperlyConfigured(
            f"MORTAR_LANGUAGES has unsupported language(s) {missing}; supported: {list(supported)}"
        )
    if len(set(codes)) != len(codes):
        raise ImproperlyConfigured(f"MORTAR_LANGUAGES lists a language twice: {value!r}")
    return [(c, LANG_INFO[c]["name_local"]) for c in codes]


def parse_domains(value: str | Iterable[str]) -> list[str]:
    """Normalise a comma list of host names (mortar_contract.hosts): unique, order kept."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        host = normalise_host(item)
        if host and host not in out:
            out.append(host)
    return out


def database_config(url: str) -> dict[str, Any]:
    """Django DATABASES entry for a ``postgres://`` URL on django-tenants' backend."""
    import environ

    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres://user:password@host:port/name URL"
            f" (got scheme {scheme!r})"
        )
    config = environ.Env.db_url_config(url, engine="django_tenants.postgresql_backend")
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL has no database name")
    return config


def search_max_results(value: int) -> int:
    """``MORTAR_SEARCH_MAX_RESULTS``: how many matches a search ranks and counts (at least 10,
    one page of results)."""
    if value < 10:
        raise ImproperlyConfigured(f"MORTAR_SEARCH_MAX_RESULTS must be 10 or more, not {value}")
    return value


def csrf_trusted_origins(domains: Iterable[str], https: bool) -> list[str]:
    """Origins Django's CSRF check trusts besides the request's own host."""
    schemes = ["https"] if https else ["https", "http"]
    return [f"{scheme}://{d}" for d in domains for scheme in schemes]


def redis_transport_options(prefix: str) -> dict[str, Any]:
    """Kombu transport options keeping every Celery key and channel under ``<prefix>:``.

    The site's Redis ACL user may only touch ``<prefix>:*`` keys and channels.
    """
    return {"global_keyprefix": f"{prefix}:", "visibility_timeout": 3600}


def media_storage(env: Any) -> dict[str, Any]:
    """``STORAGES["default"]`` for ``MORTAR_MEDIA_STORAGE`` (``local`` or ``s3``).

    ``env`` is the settings' ``environ.Env``; the tests call this too, to switch to a bucket.
    """
    kind = env("MORTAR_MEDIA_STORAGE", default="local")
    if kind == "local":
        # Django's FileSystemStorage, minus the half-written file a full disk leaves
        return {"BACKEND": "mortar_api.media.localstore.LocalMediaStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MORTAR_MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")
    try:
        from botocore.config import Config
    except ImportError as exc:
        raise ImproperlyConfigured(
            "MORTAR_MEDIA_STORAGE=s3 needs the s3 extra: pip install 'mortar-api[s3]'"
        ) from exc
    return {
        "BACKEND": "mortar_api.media.objectstore.TenantS3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None) or None,
            "region_name": env("AWS_S3_REGION_NAME", default=None) or None,
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default=None) or None,
            "location": env("AWS_LOCATION", default="media"),
            "file_overwrite": False,
            "default_acl": None,
            # a private bucket: presigned URLs, valid AWS_QUERYSTRING_EXPIRE seconds
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None) or None,
            # a dead endpoint fails in seconds (a clear 503), not after botocore's 60 s
            "client_config": Config(
                connect_timeout=env.int("MORTAR_S3_CONNECT_TIMEOUT", default=5),
                read_timeout=env.int("MORTAR_S3_READ_TIMEOUT", default=30),
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        },
    }


def connection_schema() -> str | None:
    """The database schema the connection is on (a tenant's during its requests and tasks)."""
    from django.db import connection

    return getattr(connection, "schema_name", None)
