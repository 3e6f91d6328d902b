"""Cache-Control policies: public and short for anonymous pages, never cached for editors."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PRIVATE = "private, no-store"


def is_editor(request: HttpRequest) -> bool:
    """The api's admin session cookie is sent on the same host: an editor is looking."""
    return any(name in request.COOKIES for name in settings.MORTAR_WEB_EDITOR_COOKIES)


def public(response: HttpResponse) -> HttpResponse:
    """Cacheable by an nginx micro-cache (and browsers) for MORTAR_WEB_HTTP_MAX_AGE seconds."""
    response["Cache-Control"] = f"public, max-age={settings.MORTAR_WEB_HTTP_MAX_AGE}"
    return response


def private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = PRIVATE
    return response
