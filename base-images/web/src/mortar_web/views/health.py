"""`GET /health/` for any Host: Redis (cache and generation counters) and the api."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from mortar_web import api_client, cache
from mortar_web.http import private


def health(request: HttpRequest) -> JsonResponse:
    cache_ok, cache_state = cache.check()
    api_ok, api_state = api_client.health()
    ok = cache_ok and api_ok
    response = JsonResponse(
        {"status": "ok" if ok else "error", "checks": {"cache": cache_state, "api": api_state}},
        status=200 if ok else 503,
    )
    return private(response)
