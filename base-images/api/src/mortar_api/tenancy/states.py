"""Changing tenants' state (active / maintenance / suspended) and making every process see it.

Bulk ``UPDATE``s skip model signals, so the host cache (resolve.py: the Tenant row, state
included, is cached per host) is cleared here, and the tenants' content generation is
bumped so web's page cache does not keep serving pages of a tenant that now answers 503
(nor keep a 503 once it is back).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django_tenants.utils import get_public_schema_name, schema_context

from mortar_api.tenancy.models import Domain, Tenant
from mortar_api.tenancy.resolve import forget_hosts

State = Tenant.State


def hosts_of(schemas: Iterable[str]) -> list[str]:
    return list(
        Domain.objects.filter(tenant__schema_name__in=list(schemas)).values_list(
            "domain", flat=True
        )
    )


def announce(schemas: Iterable[str]) -> None:
    """Forget cached tenant rows and web pages of these tenants (after a state change)."""
    from mortar_api.cms.caching import bump_hosts

    with schema_context(get_public_schema_name()):
        hosts = hosts_of(schemas)
        if not hosts:
            return
        forget_hosts(*hosts)
    bump_hosts(hosts)


def set_state(schemas: Iterable[str], state: str, error: str | None = None) -> int:
    """Set ``state`` (and ``migration_error`` when given) on these tenants; returns the count."""
    schemas = list(schemas)
    values: dict[str, str] = {"state": state}
    if error is not None:
        values["migration_error"] = error
    with schema_context(get_public_schema_name()):
        count = Tenant.objects.filter(schema_name__in=schemas).update(**values)
    announce(schemas)
    return count


def mark_failed(schema: str, error: str) -> None:
    """A failed migration: maintenance (503) with the error; a suspended tenant stays so."""
    with schema_context(get_public_schema_name()):
        Tenant.objects.filter(schema_name=schema).exclude(state=State.SUSPENDED).update(
            state=State.MAINTENANCE
        )
        Tenant.objects.filter(schema_name=schema).update(migration_error=error)
    announce([schema])


def mark_migrated(schemas: Iterable[str]) -> None:
    """Up to date: clear the error; maintenance (set for the migration) becomes active."""
    schemas = list(schemas)
    with schema_context(get_public_schema_name()):
        rows = Tenant.objects.filter(schema_name__in=schemas).filter(
            Q(state=State.MAINTENANCE) | ~Q(migration_error="")
        )
        changed = list(rows.values_list("schema_name", flat=True))
        if not changed:
            return
        Tenant.objects.filter(schema_name__in=changed, state=State.MAINTENANCE).update(
            state=State.ACTIVE
        )
        Tenant.objects.filter(schema_name__in=changed).update(migration_error="")
    announce(changed)


def mark_behind(schemas: Iterable[str]) -> None:
    """Schemas about to be migrated answer 503 maintenance until they are (not suspended)."""
    schemas = list(schemas)
    with schema_context(get_public_schema_name()):
        rows = Tenant.objects.filter(schema_name__in=schemas, state=State.ACTIVE)
        changed = list(rows.values_list("schema_name", flat=True))
        rows.update(state=State.MAINTENANCE)
    if changed:
        announce(changed)
