"""Answer ``/health/`` before tenant resolution, Host validation and the HTTPS redirect.

Probes (nginx, compose, kubelet) call it by IP over plain HTTP with any Host header.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse

from mortar_api.health.views import health

HEALTH_PATH = "/health/"


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in (HEALTH_PATH, HEALTH_PATH.rstrip("/")) and request.method in (
            "GET",
            "HEAD",
        ):
            connection.set_schema_to_public()
            return health(request)
        return self.get_response(request)
