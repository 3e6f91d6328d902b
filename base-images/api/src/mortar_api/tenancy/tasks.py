"""Tasks of the tenancy app, among them the per-tenant fan-out of periodic tasks."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task

FAN_OUT_BATCH = 200  # tenants per batch task: beat's one entry never sends 1,000 messages itself
FOR_TENANTS = "mortar_api.tenancy.tasks.run_for_tenants"


def active_schemas() -> list[str]:
    """Tenants that run periodic tasks: active ones (not maintenance, not suspended)."""
    from mortar_api.tenancy.models import Tenant

    return list(
        Tenant.objects.sites()
        .filter(state=Tenant.State.ACTIVE)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def send_per_tenant(task_name: str, kwargs: dict[str, Any], schemas: list[str]) -> int:
    """Send ``task_name`` once per schema, each routed to its schema (tenant-schemas-celery's
    ``_schema_name`` header), over one broker connection."""
    with current_app.producer_or_acquire() as producer:
        for schema in schemas:
            current_app.send_task(
                task_name, kwargs=kwargs, headers={"_schema_name": schema}, producer=producer
            )
    return len(schemas)


@shared_task(name="mortar_api.tenancy.tasks.run_for_each_tenant")
def run_for_each_tenant(task_name: str, kwargs: dict[str, Any] | None = None) -> int:
    """Beat's one entry per periodic task: ``task_name`` once per active tenant.

    Up to FAN_OUT_BATCH tenants are sent directly; more are split into batch tasks
    (``run_for_tenants``) that workers send in parallel. Returns the number of tenants.
    """
    schemas = active_schemas()
    if len(schemas) <= FAN_OUT_BATCH:
        return send_per_tenant(task_name, kwargs or {}, schemas)
    with current_app.producer_or_acquire() as producer:
        for i in range(0, len(schemas), FAN_OUT_BATCH):
            current_app.send_task(
                FOR_TENANTS,
                kwargs={
                    "task_name": task_name,
                    "kwargs": kwargs or {},
                    "schemas": schemas[i : i + FAN_OUT_BATCH],
                },
                producer=producer,
            )
    return len(schemas)


@shared_task(name=FOR_TENANTS)
def run_for_tenants(task_name: str, kwargs: dict[str, Any], schemas: list[str]) -> int:
    """One batch of a fan-out; a tenant suspended since the batch was sent is skipped."""
    from mortar_api.tenancy.models import Tenant

    still_active = set(
        Tenant.objects.filter(schema_name__in=schemas, state=Tenant.State.ACTIVE).values_list(
            "schema_name", flat=True
        )
    )
    return send_per_tenant(task_name, kwargs, [s for s in schemas if s in still_active])


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
