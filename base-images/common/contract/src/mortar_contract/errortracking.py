"""Error reports to Sentry (sentry-sdk): one rule for api, worker, beat and web.

`SENTRY_DSN` in the site's `.env` turns reporting on; empty or unset means off (no
sentry-sdk client at all, so nothing is sent and nothing is slowed). Each process tags its
events with the same names, so one site's events group together whichever process sent
them:

- release `<slug>@<site version>+mortar.<MORTAR_VERSION>` (site version: `SITE_VERSION`,
  which the site images set from their build, else the installed site package's version,
  else `dev`);
- tags `site` (the slug), `role` (api, worker, beat, migrate, manage or web),
  `mortar_version`, `site_version`, `tenant_host` (the request's host) and, in the api's
  processes (which know the tenant's database schema), `tenant_schema`.

sentry-sdk is imported only when a DSN is set; api-base and web-base depend on it, the CLI
(which never reports) does not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

from mortar_contract.hosts import normalise_host
from mortar_contract.prefix import DEFAULT_SLUG


def site_version(environ: Mapping[str, str], slug: str) -> str:
    """`SITE_VERSION`, else the version of the installed `<slug>-api` / `<slug>-web` package
    (native runs install them editable), else `dev`."""
    explicit = environ.get("SITE_VERSION", "").strip()
    if explicit:
        return explicit
    dns = slug.replace("_", "-")
    for dist in (f"{dns}-api", f"{dns}-web"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "dev"


def release_tags(environ: Mapping[str, str], role: str) -> tuple[str, dict[str, str]]:
    """The release name and the process-wide tags of a site's process."""
    slug = environ.get("MORTAR_SITE_SLUG", "").strip() or DEFAULT_SLUG
    mortar = environ.get("MORTAR_VERSION", "").strip() or version("mortar-contract")
    site = site_version(environ, slug)
    tags = {"site": slug, "role": role, "mortar_version": mortar, "site_version": site}
    return f"{slug}@{site}+mortar.{mortar}", tags


def _tenant_tags(
    event: dict[str, Any], tenant_schema: Callable[[], str | None] | None
) -> dict[str, Any]:
    tags = event.setdefault("tags", {})
    url = (event.get("request") or {}).get("url")
    if url and "tenant_host" not in tags:
        tags["tenant_host"] = normalise_host(urlsplit(url).netloc)
    if tenant_schema is not None and "tenant_schema" not in tags:
        try:
            schema = tenant_schema()
        except Exception:  # reporting must never fail on a tag
            schema = None
        if schema:
            tags["tenant_schema"] = schema
    return event


def init_sentry(
    role: str,
    *,
    tenant_schema: Callable[[], str | None] | None = None,
    integrations: Sequence[Any] = (),
    environ: Mapping[str, str] | None = None,
    **options: Any,
) -> bool:
    """Start sentry-sdk for this process when `SENTRY_DSN` is set; True if it did.

    `tenant_schema` returns the current tenant's schema when an event is sent (the api's
    database connection knows it during a request or a tenant's task). Other settings:
    `SENTRY_ENVIRONMENT` (default `production`), `SENTRY_TRACES_SAMPLE_RATE` (default 0:
    errors only). No personal data is sent (`send_default_pii` off). A malformed DSN or
    rate is a `ValueError` naming the variable (the process does not start half-configured).
    """
    env = os.environ if environ is None else environ
    dsn = env.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn as exc:  # the DSN itself is not echoed: its key is a credential
        msg = f"SENTRY_DSN is not a Sentry DSN ({exc}); leave it empty to turn reporting off"
        raise ValueError(msg) from None
    rate_raw = env.get("SENTRY_TRACES_SAMPLE_RATE", "").strip() or "0"
    try:
        rate = float(rate_raw)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise ValueError(f"SENTRY_TRACES_SAMPLE_RATE {rate_raw!r}: a number from 0 to 1")
    release, tags = release_tags(env, role)

    def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        return _tenant_tags(event, tenant_schema)

    sentry_sdk.init(
        dsn=dsn,
        release=release,
        environment=env.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        traces_sample_rate=rate,
        send_default_pii=False,
        integrations=list(integrations),
        before_send=before_send,
        **options,
    )
    # the global scope: every event of the process, in any thread or request, carries them
    scope = sentry_sdk.get_global_scope()
    for name, value in tags.items():
        scope.set_tag(name, value)
    return True
