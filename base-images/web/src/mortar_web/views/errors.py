"""Styled error pages: 404 inside the site frame, 503 when the api is down or the tenant is
in maintenance or suspended, 403 for CSRF."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.middleware.common import CommonMiddleware
from django.template.loader import render_to_string

from mortar_web import context, frame, routing, ui
from mortar_web.api_client import ApiError, TenantUnavailable
from mortar_web.context import RequestContext
from mortar_web.http import private, public

log = logging.getLogger(__name__)
SITE = context.SITE  # kept importable from here
_COMMON = "django.middleware.common.CommonMiddleware"
_append_slash = CommonMiddleware(lambda request: HttpResponse())


def _language(request: HttpRequest) -> str:
    target = routing.parse(request.path)
    return target.language if target else routing.default_language()


def _context(request: HttpRequest) -> RequestContext:
    """The request's context (the view's, when a view already made one)."""
    return RequestContext.of(request, _language(request))


def not_found(
    ctx: RequestContext, site: dict[str, Any] | None, cacheable: bool = True
) -> HttpResponse:
    """The styled 404 inside the site frame (no frame for a host the api does not know)."""
    html = render_to_string("mortar_web/404.html", frame.build(ctx, site), request=ctx.request)
    response = HttpResponse(html, status=404)
    return public(response) if cacheable else private(response)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After; uses a cached frame if there is one, never calls the api."""
    ctx = _context(request)
    site = None
    try:
        site = ctx.cached_site()
    except Exception:
        log.exception("no frame for the 503 page")
    html = render_to_string("mortar_web/503.html", frame.build(ctx, site), request=request)
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.MORTAR_WEB_RETRY_AFTER)
    return private(response)


def tenant_unavailable(request: HttpRequest, exc: TenantUnavailable) -> HttpResponse:
    """The api answered 503 for this tenant alone (maintenance or suspended): a styled page
    (MORTAR_WEB_TENANT_UNAVAILABLE_TEMPLATE) without the site frame - no cached frame of
    the tenant is reused - and never stored by any cache."""
    ctx = _context(request)
    context = frame.build(ctx, None)
    context["state"] = exc.state
    context["title"] = ui.text(f"{exc.state}_title", ctx.language)
    context["text"] = ui.text(f"{exc.state}_text", ctx.language)
    html = render_to_string(
        settings.MORTAR_WEB_TENANT_UNAVAILABLE_TEMPLATE, context, request=request
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = exc.retry_after or str(settings.MORTAR_WEB_RETRY_AFTER)
    return private(response)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 (a URL no route matches): still inside the frame when the api answers."""
    if _COMMON in settings.MIDDLEWARE and _append_slash.should_redirect_with_slash(request):
        # CommonMiddleware replaces this 404 with a redirect to "<path>/": render nothing
        return HttpResponseNotFound()
    ctx = _context(request)
    try:
        site = ctx.site()
    except ApiError:
        site = None
    return not_found(ctx, site)


def handler500(request: HttpRequest) -> HttpResponse:
    """A bug in web: a plain styled page, no api call, no traceback."""
    context = frame.build(_context(request), None)
    return private(HttpResponse(render_to_string("mortar_web/500.html", context), status=500))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A contact form post with a missing or stale CSRF token."""
    context = frame.build(_context(request), None)
    return private(
        HttpResponse(render_to_string("mortar_web/403.html", context, request=request), status=403)
    )
