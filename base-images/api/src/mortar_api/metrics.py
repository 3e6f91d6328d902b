"""The api's request metrics (mortar_contract.metrics): tenant = the resolved schema.

The label set is the first MORTAR_METRICS_TENANT_CAP tenants by schema name, read from
the public schema every minute, so every gunicorn worker labels the same tenants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mortar_contract.metrics import MetricsMiddleware


def _schemas() -> list[str]:
    from mortar_api.tenancy.models import Tenant

    return list(Tenant.objects.sites().values_list("schema_name", flat=True))


class ApiMetricsMiddleware(MetricsMiddleware):
    role = "api"

    def tenant_names(self) -> Callable[[], Iterable[str]] | None:
        return _schemas

    def tenant_of(self, request: Any, response: Any) -> tuple[str | None, bool]:
        tenant = getattr(request, "tenant", None)
        if tenant is None:  # an early cache hit: answered before the tenant was resolved
            return getattr(response, "mortar_schema", None), True
        return getattr(tenant, "schema_name", None), True
