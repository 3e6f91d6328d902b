"""Which schemas are behind the code, decided in a few SQL queries for all of them.

The code's migrations are read once from disk (``MigrationLoader`` without a database);
every schema's ``django_migrations`` is then counted against them in batched ``UNION ALL``
queries over one connection. Django's migration executor is never started for a schema
that is up to date, so "nothing new" at 1,000 tenants costs a few queries, not 1,000
executor runs. Every app's migrations are recorded in every schema (django-tenants' router
skips the operations of apps not in a schema's app list, not their records), so one
expected set serves the public schema and the tenants alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import quote_schema_name

BATCH = 250  # schemas per UNION ALL statement
Key = tuple[str, str]


@dataclass(frozen=True)
class CodeMigrations:
    """The migrations the code has: every graph node, and what each squash replaces."""

    keys: frozenset[Key]
    replaces: dict[Key, tuple[Key, ...]]

    def missing(self, applied: set[Key]) -> list[Key]:
        """The code's migrations not applied (a squash counts as applied via its parts)."""
        out = []
        for key in sorted(self.keys):
            if key in applied:
                continue
            parts = self.replaces.get(key)
            if parts and all(p in applied for p in parts):
                continue
            out.append(key)
        return out


def code_migrations() -> CodeMigrations:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    keys = frozenset(loader.graph.nodes)
    replaces = {k: tuple(m.replaces) for k, m in loader.replacements.items() if k in keys}
    return CodeMigrations(keys, replaces)


def schemas_with_migration_table(schemas: Iterable[str]) -> set[str]:
    """The schemas that exist and have a django_migrations table (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') "
            "AND n.nspname = ANY(%s)",
            [list(schemas)],
        )
        return {row[0] for row in cursor.fetchall()}


def _applied_counts(schemas: list[str], expected: list[str]) -> dict[str, int]:
    """schema -> how many of ``expected`` ("app.name") it has recorded (batched queries)."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for i in range(0, len(schemas), BATCH):
            batch = schemas[i : i + BATCH]
            parts = [
                f"SELECT %s, count(DISTINCT m.app || '.' || m.name) FROM "  # noqa: S608
                f"{quote_schema_name(s)}.django_migrations m JOIN e ON e.k = m.app || '.' || m.name"
                for s in batch
            ]
            sql = "WITH e(k) AS (SELECT unnest(%s::text[])) " + " UNION ALL ".join(parts)
            cursor.execute(sql, [expected, *batch])
            counts.update({schema: count for schema, count in cursor.fetchall()})
    return counts


def _applied_rows(schemas: list[str]) -> dict[str, set[Key]]:
    out: dict[str, set[Key]] = {s: set() for s in schemas}
    with connection.cursor() as cursor:
        for i in range(0, len(schemas), BATCH):
            batch = schemas[i : i + BATCH]
            sql = " UNION ALL ".join(
                f"SELECT %s, app, name FROM {quote_schema_name(s)}.django_migrations"  # noqa: S608
                for s in batch
            )
            cursor.execute(sql, batch)
            for schema, app, name in cursor.fetchall():
                out[schema].add((app, name))
    return out


def pending_by_schema(
    schemas: Iterable[str], code: CodeMigrations | None = None
) -> dict[str, list[Key] | None]:
    """schema -> the code's migrations it lacks ([] = up to date; None = no schema or no
    django_migrations table yet). Runs on the current connection, in any schema."""
    schemas = list(dict.fromkeys(schemas))
    if not schemas:
        return {}
    code = code or code_migrations()
    present = schemas_with_migration_table(schemas)
    result: dict[str, list[Key] | None] = {s: None for s in schemas if s not in present}
    existing = [s for s in schemas if s in present]
    expected = sorted(f"{app}.{name}" for app, name in code.keys)
    counts = _applied_counts(existing, expected)
    short = []
    for schema in existing:
        if counts.get(schema, 0) >= len(expected):
            result[schema] = []
        else:
            short.append(schema)
    # only the schemas that look behind are read in full (a squash may still cover them)
    for schema, applied in _applied_rows(short).items():
        result[schema] = code.missing(applied)
    return result
