"""The 503 a tenant in maintenance or suspended gets, for that tenant alone.

``/api/`` answers the API's JSON error body (``detail``, ``errors``, plus ``code``:
``tenant_maintenance`` / ``tenant_suspended``, which web turns into its own styled page);
everything else (``/admin/``, ...) a small styled HTML page. Both carry ``Retry-After`` and
``Cache-Control: no-store`` so no cache keeps the 503 once the tenant is back. Site
settings: ``MORTAR_TENANT_UNAVAILABLE_TEMPLATE`` (the HTML page; context ``state``,
``tenant_name``, ``retry_after``) and ``MORTAR_TENANT_RETRY_AFTER`` (seconds, default 120).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

DEFAULT_TEMPLATE = "tenancy/unavailable.html"
MESSAGES = {
    "maintenance": "This site is being updated. Please try again in a few minutes.",
    "suspended": "This site is currently unavailable.",
}


def retry_after() -> int:
    return int(getattr(settings, "MORTAR_TENANT_RETRY_AFTER", 120))


def unavailable_response(request: HttpRequest, tenant, state: str) -> HttpResponse:
    wait = retry_after()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": MESSAGES.get(state, MESSAGES["suspended"]),
                "errors": {},
                "code": f"tenant_{state}",
            },
            status=503,
        )
    else:
        template = getattr(settings, "MORTAR_TENANT_UNAVAILABLE_TEMPLATE", DEFAULT_TEMPLATE)
        html = render_to_string(
            template,
            {
                "state": state,
                "message": MESSAGES.get(state, MESSAGES["suspended"]),
                "tenant_name": tenant.name,
                "retry_after": wait,
            },
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    response["X-Mortar-Tenant-State"] = state
    return response
