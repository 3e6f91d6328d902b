from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from mortar_api.health.checks import run_checks


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503
    )
