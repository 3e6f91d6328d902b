"""Tasks of the tenancy app."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task
from django_tenants.utils import tenant_context


@shared_task(name="mortar_api.tenancy.tasks.run_for_each_tenant", ignore_result=True)
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
def whoami() -> dict[str, str]:
    """The schema a task runs in (tests and operators check tenant routing with it)."""
    from django.db import connection

    return {"schema": connection.schema_name}
