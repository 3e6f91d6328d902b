"""What a locked-out client is told: JSON under ``/api/``, an admin-styled page elsewhere.

``AXES_LOCKOUT_CALLABLE``: django-axes' middleware calls it for any request its backend
refused; the token view uses ``api_lockout_response`` directly.
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from mortar_api.cms.errors import error_body

STATUS = 429


def _minutes(cool_off: timedelta) -> int:
    return max(1, round(cool_off.total_seconds() / 60))


def lockout_message(request: HttpRequest | None = None) -> str:
    cool_off = get_cool_off(request)
    if not cool_off:
        return "Too many failed login attempts: ask an administrator to unlock this account."
    minutes = _minutes(cool_off)
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed login attempts: try again in {minutes} {unit}."


def _with_retry_after(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    cool_off = get_cool_off(request)
    if cool_off:  # each refused attempt restarts the cool-off, so the whole of it is left
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    response["Cache-Control"] = "no-store"
    return response


def api_lockout_response(request: HttpRequest) -> HttpResponse:
    return _with_retry_after(
        JsonResponse(error_body(lockout_message(request)), status=STATUS), request
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_lockout_response(request)
    context = {
        **admin.site.each_context(request),
        "title": "Login locked",
        "message": lockout_message(request),
    }
    response = TemplateResponse(request, "accounts/lockout.html", context, status=STATUS)
    return _with_retry_after(response.render(), request)
