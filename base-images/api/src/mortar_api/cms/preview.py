"""Signed, expiring preview tokens for draft pages (issued by the admin's Preview link)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import connection

SALT = "mortar.cms.preview"
DEFAULT_MAX_AGE = 3600  # seconds


def max_age() -> int:
    return int(getattr(settings, "MORTAR_PREVIEW_MAX_AGE", DEFAULT_MAX_AGE))


def make_token(page_id: int) -> str:
    # The schema is signed in too: a token never opens another tenant's page with the same id.
    payload = {"p": page_id, "s": getattr(connection, "schema_name", "public")}
    return signing.TimestampSigner(salt=SALT).sign_object(payload, compress=True)


def read_token(token: str) -> int | None:
    """The page id, or ``None`` when the token is tampered, expired or for another tenant."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age())
    except (signing.BadSignature, ValueError):  # SignatureExpired is a BadSignature
        return None
    if not isinstance(payload, dict) or payload.get("s") != getattr(
        connection, "schema_name", "public"
    ):
        return None
    page_id = payload.get("p")
    return page_id if isinstance(page_id, int) else None


def preview_url(page_id: int) -> str | None:
    """``//<tenant primary domain>/__preview/<token>/`` (scheme-relative: http and https)."""
    tenant = getattr(connection, "tenant", None)
    domain = None
    if tenant is not None and hasattr(tenant, "get_primary_domain"):
        primary = tenant.get_primary_domain()
        domain = primary.domain if primary else None
    if not domain:
        return None
    return f"//{domain}/__preview/{make_token(page_id)}/"
