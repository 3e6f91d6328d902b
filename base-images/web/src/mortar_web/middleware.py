"""Middleware: Cache-Control for editors and defaults; the api being down becomes a 503 page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mortar_web.api_client import ApiUnavailable
from mortar_web.http import PRIVATE, is_editor


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
        if isinstance(exception, ApiUnavailable):
            from mortar_web.views.errors import unavailable

            return unavailable(request)
        return None
