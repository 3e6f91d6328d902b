"""What ``list_tenants`` shows: every tenant with its domains, state, migration state and
size, in a handful of queries whatever the number of tenants."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from mortar_api.tenancy.migration_state import pending_by_schema
from mortar_api.tenancy.models import Domain, Tenant


@dataclass
class TenantRow:
    schema: str
    name: str
    domains: list[str]
    state: str  # active / maintenance / suspended
    migration: str  # "up to date", "behind N", "failed", "no schema"
    behind: int
    migration_error: str
    size_bytes: int

    def as_dict(self) -> dict:
        return asdict(self)


def schema_sizes(schemas: list[str]) -> dict[str, int]:
    """Approximate bytes on disk per schema (tables, indexes, TOAST), one query.

    From PostgreSQL's statistics (``relpages``, kept by VACUUM, ANALYZE and CREATE INDEX):
    exact sizes (``pg_total_relation_size``) stat every file of every relation, about 6 s
    for 1,000 tenants, where this takes a fraction of a second.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, coalesce(sum(c.relpages + coalesce(t.relpages, 0)), 0)::bigint "
            "* current_setting('block_size')::int "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_class t ON t.oid = c.reltoastrelid "
            "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'i', 'm', 'p') GROUP BY n.nspname",
            [schemas],
        )
        return {schema: int(size) for schema, size in cursor.fetchall()}


def migration_label(pending: list | None, error: str) -> str:
    if error:
        return "failed"
    if pending is None:
        return "no schema"
    return f"behind {len(pending)}" if pending else "up to date"


def tenant_rows() -> list[TenantRow]:
    with schema_context(get_public_schema_name()):
        tenants = list(
            Tenant.objects.sites().values_list("schema_name", "name", "state", "migration_error")
        )
        schemas = [t[0] for t in tenants]
        domains: dict[str, list[str]] = defaultdict(list)
        for schema, host in (
            Domain.objects.filter(tenant__schema_name__in=schemas)
            .order_by("-is_primary", "domain")
            .values_list("tenant__schema_name", "domain")
        ):
            domains[schema].append(host)
        pending = pending_by_schema(schemas)
        sizes = schema_sizes(schemas)
    return [
        TenantRow(
            schema=schema,
            name=name,
            domains=domains.get(schema, []),
            state=state,
            migration=migration_label(pending[schema], error),
            behind=len(pending[schema] or []),
            migration_error=error,
            size_bytes=sizes.get(schema, 0),
        )
        for schema, name, state, error in tenants
    ]
