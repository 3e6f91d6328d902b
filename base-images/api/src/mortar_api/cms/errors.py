"""One error shape for the whole API: ``{"detail": "...", "errors": {field: [msgs]}}``.

Validation errors get one of three statuses, by their codes: 400 when the request does not
match the OpenAPI document (wrong type, missing, too long, unknown field...), 409 when it
clashes with other content (a duplicate, content still in use), 422 when it matches the
document but breaks a content rule the document cannot express (rules between fields, a
referenced object that does not exist, a date out of range). ``cms.openapi`` declares them.

``exception_handler`` is used by every view of this package (see ``views_base``);
``handler404``/``handler500`` make Django's own errors JSON under ``/api/`` — the root
URLconf sets ``handler404 = "mortar_api.cms.errors.handler404"`` (same for 500).
"""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from mortar_api.resilience import fault_response

log = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the content."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


# Codes raised for content rules (see ``cms.editor.ModelValidatingSerializer``) and by DRF.
CONFLICT_CODES = frozenset({"unique", "unique_together", "conflict"})
RULE_CODES = frozenset({"rule", "does_not_exist", "overflow"})


def _leaf_codes(codes) -> list:
    if isinstance(codes, dict):
        return [c for v in codes.values() for c in _leaf_codes(v)]
    if isinstance(codes, (list, tuple)):
        return [c for v in codes for c in _leaf_codes(v)]
    return [codes]


def validation_status(exc: exceptions.ValidationError) -> int:
    """400, 409 or 422 for a validation error, from its codes (see the module docstring)."""
    codes = set(_leaf_codes(exc.get_codes()))
    if not codes or not codes <= CONFLICT_CODES | RULE_CODES:
        return status.HTTP_400_BAD_REQUEST
    if codes & CONFLICT_CODES:
        return status.HTTP_409_CONFLICT
    return status.HTTP_422_UNPROCESSABLE_ENTITY


def error_body(detail: str, errors: dict | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def _flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _flatten(v)]
    return [str(value)]


def _shape(data) -> dict:
    if isinstance(data, dict) and set(data) <= {"detail", "errors"} and "detail" in data:
        return error_body(str(data["detail"]), data.get("errors") or {})
    if isinstance(data, dict):
        # nested errors (a list item's field) become "0: url: ..." strings: one shape always
        errors = {k: _flatten(v) for k, v in data.items()}
        fields = ", ".join(sorted(errors))
        return error_body(f"Invalid input: check {fields}.", errors)
    if isinstance(data, list):
        return error_body("Invalid input.", {"non_field_errors": _flatten(data)})
    return error_body(str(data))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        objs = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        names = sorted({str(o._meta.verbose_name) for o in objs if hasattr(o, "_meta")})
        exc = Conflict(
            f"Cannot delete: still referred to by {', '.join(names) or 'other content'}."
        )
    elif isinstance(exc, IntegrityError):
        # Validation runs first; this is a concurrent edit winning the race. Never a 500.
        log.warning("integrity error answered as 409: %s", exc)
        exc = Conflict(
            "The change conflicts with other content (e.g. a duplicate); reload and retry."
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "Not found.")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django logs it and handler500 answers (JSON under /api/)
    if isinstance(exc, exceptions.ValidationError):
        response.status_code = validation_status(exc)
    response.data = _shape(response.data)
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Not found."), status=404)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # Called inside Django's except block: a failure before any view (the tenant lookup on
    # a down database) is still a 503, not a 500.
    fault = fault_response(request, sys.exc_info()[1])
    if fault is not None:
        return fault
    if _is_api(request):
        return JsonResponse(error_body("Server error."), status=500)
    return defaults.server_error(request)


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Bad request."), status=400)
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Permission denied."), status=403)
    return defaults.permission_denied(request, exception)
