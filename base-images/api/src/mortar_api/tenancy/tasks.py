"""Tasks of the tenancy app."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task
from django_tenants.utils import tenant_context


@shared_task(name="mortar_api.tenancy.tasks.run_for_each_tenant")
def run_for_each_tenant(task_name: str, kwargs: dict[str, Any] | None = None) -> int:
    """Send ``task_name`` once per tenant, each in its tenant's schema; returns the count."""
    from mortar_api.tenancy.models import Tenant

    count = 0
    for tenant in Tenant.objects.sites():
        with tenant_context(tenant):
            current_app.send_task(task_name, kwargs=kwargs or {})
        count += 1
    return count


@shared_task(name="mortar_api.tenancy.tasks.whoami")
def whoami(token: str | None = None) -> dict[str, str]:
    """The schema a task runs in; with ``token`` also cached as ``whoami:<token>``.

    Operators and tests use it to check tenant routing of tasks and their cache keys.
    """
    from django.core.cache import cache
    from django.db import connection

    schema = connection.schema_name
    if token:
        cache.set(f"whoami:{token}", schema, 300)
    return {"schema": schema}
