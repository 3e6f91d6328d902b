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
from importlib.util import find_spec
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


# EMAIL_PROVIDER -> (anymail backend, required variables, optional variables). Each variable
# is named exactly as anymail's setting (https://anymail.dev/en/stable/esps/), so the
# provider's anymail page documents it; the values go into ANYMAIL.
ANYMAIL_PROVIDERS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "amazon_ses": ("anymail.backends.amazon_ses.EmailBackend", (), ()),  # see _amazon_ses
    "brevo": ("anymail.backends.brevo.EmailBackend", ("BREVO_API_KEY",), ("BREVO_API_URL",)),
    "mailgun": (
        "anymail.backends.mailgun.EmailBackend",
        ("MAILGUN_API_KEY",),
        ("MAILGUN_SENDER_DOMAIN", "MAILGUN_API_URL"),  # EU: https://api.eu.mailgun.net/v3
    ),
    "mailjet": (
        "anymail.backends.mailjet.EmailBackend",
        ("MAILJET_API_KEY", "MAILJET_SECRET_KEY"),
        ("MAILJET_API_URL",),
    ),
    "postmark": (
        "anymail.backends.postmark.EmailBackend",
        ("POSTMARK_SERVER_TOKEN",),
        ("POSTMARK_MESSAGE_STREAM", "POSTMARK_API_URL"),
    ),
    "resend": ("anymail.backends.resend.EmailBackend", ("RESEND_API_KEY",), ("RESEND_API_URL",)),
    "sendgrid": (  # works; anymail 14+ warns it no longer supports SendGrid officially
        "anymail.backends.sendgrid.EmailBackend",
        ("SENDGRID_API_KEY",),
        ("SENDGRID_API_URL",),
    ),
    "sparkpost": (
        "anymail.backends.sparkpost.EmailBackend",
        ("SPARKPOST_API_KEY",),
        ("SPARKPOST_SUBACCOUNT", "SPARKPOST_API_URL"),
    ),
}
EMAIL_PROVIDERS = ("console", "smtp", *ANYMAIL_PROVIDERS)
_SMTP_SCHEMES = ("smtp", "smtps", "smtp+tls", "smtp+ssl")


def email_settings(env: Any) -> dict[str, Any]:
    """The mail settings (EMAIL_BACKEND, EMAIL_HOST..., ANYMAIL) for ``EMAIL_PROVIDER``.

    ``console`` prints mail; ``smtp`` sends through ``EMAIL_URL``
    (``smtp[s|+tls]://user:password@host:port``); any other name is an anymail provider whose
    credentials come from the variables in ``ANYMAIL_PROVIDERS``. Unset, ``EMAIL_URL`` alone
    decides (console by default), as before 1.5. A typo or a missing credential fails at
    start-up, naming the variable, instead of at the first contact message.
    """
    provider = (env("EMAIL_PROVIDER", default="") or "").strip().lower().replace("-", "_")
    email_url = env("EMAIL_URL", default="") or ""
    if not provider:  # backwards compatible: EMAIL_URL alone, console by default
        return env.email_url_config(email_url or "consolemail://")
    if provider == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if provider == "smtp":
        scheme = email_url.split("://", 1)[0] if "://" in email_url else ""
        if scheme not in _SMTP_SCHEMES:
            raise ImproperlyConfigured(
                "EMAIL_PROVIDER=smtp needs EMAIL_URL=smtp://user:password@host:port"
                f" (or smtps:// or smtp+tls://); got {email_url or 'nothing'!r}"
            )
        return env.email_url_config(email_url)
    if provider not in ANYMAIL_PROVIDERS:
        raise ImproperlyConfigured(
            f"EMAIL_PROVIDER={provider!r} is not a known mail provider; one of: "
            + ", ".join(EMAIL_PROVIDERS)
        )
    backend, required, optional = ANYMAIL_PROVIDERS[provider]
    if provider == "amazon_ses":
        return {"EMAIL_BACKEND": backend, "ANYMAIL": _amazon_ses(env)}
    missing = [name for name in required if not env(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"EMAIL_PROVIDER={provider} needs {' and '.join(missing)} in the environment (.env)"
        )
    anymail = {name: env(name) for name in required}
    anymail.update({name: env(name) for name in optional if env(name, default="")})
    return {"EMAIL_BACKEND": backend, "ANYMAIL": anymail}


def _amazon_ses(env: Any) -> dict[str, Any]:
    """ANYMAIL for Amazon SES (boto3): a region, and keys only when SES has its own.

    Without AMAZON_SES_ACCESS_KEY_ID boto3 finds credentials its usual way (AWS_ACCESS_KEY_ID,
    an instance role, ~/.aws), so the S3 media keys serve SES too when they may.
    """
    if find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "EMAIL_PROVIDER=amazon_ses needs boto3: pip install 'mortar-api[s3]'"
            " (the images have it)"
        )
    region = (
        env("AMAZON_SES_REGION", default="")
        or env("AWS_DEFAULT_REGION", default="")
        or env("AWS_REGION", default="")
    )
    if not region:
        raise ImproperlyConfigured(
            "EMAIL_PROVIDER=amazon_ses needs AMAZON_SES_REGION (or AWS_DEFAULT_REGION),"
            " e.g. eu-west-1"
        )
    params: dict[str, Any] = {"region_name": region}
    key = env("AMAZON_SES_ACCESS_KEY_ID", default="")
    secret = env("AMAZON_SES_SECRET_ACCESS_KEY", default="")
    if bool(key) != bool(secret):
        raise ImproperlyConfigured(
            "AMAZON_SES_ACCESS_KEY_ID and AMAZON_SES_SECRET_ACCESS_KEY go together:"
            " set both or neither"
        )
    if key:
        params.update(aws_access_key_id=key, aws_secret_access_key=secret)
    if endpoint := env("AMAZON_SES_ENDPOINT_URL", default=""):
        params["endpoint_url"] = endpoint  # a local SES-protocol server (tests, LocalStack)
    anymail: dict[str, Any] = {"AMAZON_SES_CLIENT_PARAMS": params}
    if config_set := env("AMAZON_SES_CONFIGURATION_SET_NAME", default=""):
        anymail["AMAZON_SES_CONFIGURATION_SET_NAME"] = config_set
    return anymail
