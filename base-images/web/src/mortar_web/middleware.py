"""Middleware: one spelling of the Host; Cache-Control for editors and defaults; the api
being down becomes a 503 page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from mortar_contract.hosts import normalise_host, normalise_origin
from mortar_contract.metrics import MetricsMiddleware

from mortar_web.api_client import ApiUnavailable, TenantUnavailable
from mortar_web.http import PRIVATE, is_editor


class CanonicalHostMiddleware:
    """Rewrites the Host to its contract spelling (mortar_contract.hosts) before anything reads it.

    ``DEMO.localhost.`` and ``demo.localhost`` are one site: the page cache, the generation
    counter and the absolute URLs in a page must not tell them apart, or a publish leaves the
    other spelling's pages stale. The port stays (it is part of the origin).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("HTTP_HOST")
        if raw:
            try:  # WSGI hands header bytes over as latin-1; an IDN arrives as UTF-8 bytes
                raw = raw.encode("latin-1").decode("utf-8")
            except UnicodeError:
                pass
            request.META["HTTP_HOST"] = normalise_origin(raw)
        return self.get_response(request)


class CacheControlMiddleware:
    """Editors' responses are never cached; a response without a policy is not shared."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_editor(request):
            response["Cache-Control"] = PRIVATE
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, TenantUnavailable):
            from mortar_web.views.errors import tenant_unavailable

            return tenant_unavailable(request, exception)
        if isinstance(exception, ApiUnavailable):
            from mortar_web.views.errors import unavailable

            return unavailable(request)
        return None


class WebMetricsMiddleware(MetricsMiddleware):
    """Request metrics of web (mortar_contract.metrics); tenant = the canonical host.

    web has no tenant list, so each process labels the first MORTAR_METRICS_TENANT_CAP
    hosts it answers below 400 (a site's, not a scanner's made-up Host) and counts later
    ones as ``other`` (bounded per process). Health probes (any Host) carry no tenant.
    """

    role = "web"

    def tenant_of(self, request: HttpRequest, response: HttpResponse) -> tuple[str | None, bool]:
        raw = request.META.get("HTTP_HOST")
        if not raw or request.path == "/health/":
            return None, False
        return normalise_host(raw), response.status_code < 400
