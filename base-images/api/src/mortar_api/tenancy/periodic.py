"""Registry of periodic (beat) tasks, written into django-celery-beat after ``migrate``.

An app registers its schedule in ``AppConfig.ready()``::

    from mortar_api.tenancy.periodic import register
    register("cms: publish scheduled pages", "mortar_api.cms.tasks.publish_scheduled",
             every_seconds=60, per_tenant=True)
    register("cms: nightly cleanup", "mortar_api.cms.tasks.cleanup",
             crontab={"minute": "30", "hour": "3"}, per_tenant=True)

Rows live in the public schema (beat runs once per site with the DatabaseScheduler).
``per_tenant=True`` schedules ``mortar_api.tenancy.tasks.run_for_each_tenant`` which sends
the task once per tenant, in that tenant's schema (tenant-schemas-celery headers).
The rows are created/updated after every ``migrate_schemas`` of the public schema, so the
periodic tasks exist without manual setup; an editor's change to ``enabled`` is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_migrate

FOR_EACH_TENANT = "mortar_api.tenancy.tasks.run_for_each_tenant"


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    task: str
    every_seconds: int | None = None
    crontab: dict[str, str] | None = None
    per_tenant: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)


_registry: dict[str, PeriodicSpec] = {}


def register(
    name: str,
    task: str,
    *,
    every_seconds: int | None = None,
    crontab: dict[str, str] | None = None,
    per_tenant: bool = False,
    kwargs: dict[str, Any] | None = None,
) -> PeriodicSpec:
    """Declare a periodic task (exactly one of ``every_seconds`` / ``crontab``)."""
    if (every_seconds is None) == (crontab is None):
        raise ValueError(f"{name}: give exactly one of every_seconds or crontab")
    if every_seconds is not None and every_seconds < 1:
        raise ValueError(f"{name}: every_seconds must be >= 1")
    spec = PeriodicSpec(name, task, every_seconds, crontab, per_tenant, dict(kwargs or {}))
    _registry[name] = spec
    return spec


def registered() -> list[PeriodicSpec]:
    return list(_registry.values())


def sync_periodic_tasks() -> list[str]:
    """Create or update the beat rows for every registered spec; returns their names."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
    from django_tenants.utils import get_public_schema_name, schema_context

    names = []
    with schema_context(get_public_schema_name()):
        for spec in _registry.values():
            defaults: dict[str, Any] = {"interval": None, "crontab": None}
            if spec.every_seconds is not None:
                defaults["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=spec.every_seconds, period=IntervalSchedule.SECONDS
                )
            else:
                defaults["crontab"], _ = CrontabSchedule.objects.get_or_create(**spec.crontab)
            if spec.per_tenant:
                defaults["task"] = FOR_EACH_TENANT
                defaults["kwargs"] = json.dumps({"task_name": spec.task, "kwargs": spec.kwargs})
            else:
                defaults["task"] = spec.task
                defaults["kwargs"] = json.dumps(spec.kwargs)
            PeriodicTask.objects.update_or_create(name=spec.name, defaults=defaults)
            names.append(spec.name)
    return names


def _after_migrate(sender: object, **kwargs: Any) -> None:
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    # post_migrate fires once per app and per schema; act once, for the public schema.
    if getattr(sender, "label", None) != "tenancy":
        return
    if getattr(connection, "schema_name", None) != get_public_schema_name():
        return
    sync_periodic_tasks()


def connect() -> None:
    post_migrate.connect(_after_migrate, dispatch_uid="mortar_sync_periodic_tasks")
