"""Tenant selection by Host. An unknown host gets a 404 JSON body - never another tenant;
a tenant in maintenance or suspended gets a 503 (tenancy.unavailable)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from mortar_api.settings_helpers import normalise_host
from mortar_api.tenancy.hosts import current_host
from mortar_api.tenancy.resolve import tenant_for_host
from mortar_api.tenancy.unavailable import unavailable_response


def raw_host(request: HttpRequest) -> str:
    """The Host the client asked for, unvalidated (validation is the tenant lookup)."""
    meta = request.META
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
        host = meta["HTTP_X_FORWARDED_HOST"].split(",")[0]
    else:
        host = meta.get("HTTP_HOST") or meta.get("SERVER_NAME", "")
    return normalise_host(host)


def unknown_host_response(host: str) -> JsonResponse:
    return JsonResponse({"detail": "Unknown host.", "errors": {}}, status=404)


class TenantMiddleware:
    """Put the connection on the tenant that owns the request's Host (first middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection.set_schema_to_public()
        host = raw_host(request)
        tenant = tenant_for_host(host) if host else None
        if tenant is None:
            return unknown_host_response(host)
        if tenant.state != "active":  # the row is already loaded: no extra query
            return unavailable_response(request, tenant, tenant.state)
        tenant.domain_url = host
        request.tenant = tenant
        connection.set_tenant(tenant)
        token = current_host.set(host)
        try:
            return self.get_response(request)
        finally:
            current_host.reset(token)
