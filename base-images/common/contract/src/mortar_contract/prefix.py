"""Which Redis prefix a site's processes use: one rule for api, worker, beat and web."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_SLUG = "mortar"  # a process started without a site's .env (dev shells, tests)


def redis_prefix(environ: Mapping[str, str]) -> str:
    """``MORTAR_REDIS_PREFIX``, else the site slug, else ``mortar``.

    The site's Redis ACL user may touch only ``<slug>:*``, so falling back to the slug
    keeps a .env that forgot the prefix working; any other default would be denied.
    """
    return (
        environ.get("MORTAR_REDIS_PREFIX", "").strip()
        or environ.get("MORTAR_SITE_SLUG", "").strip()
        or DEFAULT_SLUG
    )
