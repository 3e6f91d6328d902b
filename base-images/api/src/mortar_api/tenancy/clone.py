"""A lean schema clone for Django-made schemas (tables, identity columns, indexes, constraints).

django-tenants' generic ``clone_schema()`` PL/pgSQL handles every kind of object and costs
about a second per tenant on a busy 2-core machine. A template made by Django migrations
holds only tables, their identity sequences, indexes and constraints, so this module
copies exactly those in one round trip, keeping every object name (later migrations drop
indexes and constraints by name). Anything else in the template (views, functions,
triggers, enums, stand-alone or serial sequences, generated columns, partitions) makes
``supports_fast_clone`` false, and the caller falls back to django-tenants' clone.
"""

from __future__ import annotations

from django.db import connection, transaction
from django_tenants.utils import quote_schema_name

_UNSUPPORTED = """
SELECT
  (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid
     AND c.relkind NOT IN ('r', 'i', 'S'))
+ (SELECT count(*) FROM pg_class s WHERE s.relnamespace = n.oid AND s.relkind = 'S'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                     AND d.objid = s.oid AND d.deptype = 'i'))
+ (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)
+ (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid AND t.typrelid = 0
     AND t.typelem = 0)
+ (SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
     WHERE c.relnamespace = n.oid AND NOT g.tgisinternal)
+ (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = n.oid AND a.attgenerated <> '' AND a.attnum > 0)
+ (SELECT count(*) FROM pg_constraint k WHERE k.connamespace = n.oid
     AND k.contype NOT IN ('p', 'u', 'f', 'c', 'x'))
FROM pg_namespace n WHERE n.nspname = %s
"""


def supports_fast_clone(base: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_UNSUPPORTED, [base])
        row = cursor.fetchone()
    return row is not None and row[0] == 0


def _definitions(cursor, base: str) -> tuple[list[str], list[tuple[str, str, str]], list[str]]:
    """Tables, constraints (table, name, definition) and stand-alone index definitions,
    printed with ``search_path = base`` so they come out unqualified."""
    cursor.execute("SELECT current_setting('search_path')")
    search_path = cursor.fetchone()[0]
    cursor.execute(f"SET LOCAL search_path TO {quote_schema_name(base)}")
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
        [base],
    )
    tables = [r[0] for r in cursor.fetchall()]
    # primary/unique/exclusion first (foreign keys need their referenced index), then checks, FKs
    cursor.execute(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s ORDER BY array_position(ARRAY['p','u','x','c','f'], "
        "k.contype::text), c.relname, k.conname",
        [base],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
        "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid "
        "AND k.contype IN ('p','u','x')) ORDER BY 1",
        [base],
    )
    rows = cursor.fetchall()
    # pg_get_indexdef always qualifies the table: drop the template's schema from it
    cursor.execute("SELECT quote_ident(%s)", [base])
    qualified = f" ON {cursor.fetchone()[0]}."
    indexes = [r[0].replace(qualified, " ON ", 1) for r in rows]
    cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    return tables, constraints, indexes


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fast_clone_schema(base: str, new: str) -> None:
    """Create schema ``new`` as a copy (structure and rows) of ``base``, in one transaction."""
    qbase, qnew = quote_schema_name(base), quote_schema_name(new)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        search_path = cursor.fetchone()[0]
        tables, constraints, indexes = _definitions(cursor, base)
        cursor.execute(
            "SELECT c.relname, a.attname, q.last_value FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_depend d ON d.refobjid = c.oid AND d.refobjsubid = a.attnum "
            "AND d.deptype = 'i' AND d.classid = 'pg_class'::regclass "
            "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
            "JOIN pg_sequences q ON q.schemaname = n.nspname AND q.sequencename = s.relname "
            "WHERE n.nspname = %s AND a.attidentity <> '' AND q.last_value IS NOT NULL",
            [base],
        )
        positions = cursor.fetchall()
        like = "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS"
        sql = [f"CREATE SCHEMA {qnew}", f"SET LOCAL search_path TO {qnew}"]
        for t in tables:
            sql.append(f"CREATE TABLE {_quote(t)} (LIKE {qbase}.{_quote(t)} {like})")
            sql.append(
                f"INSERT INTO {_quote(t)} OVERRIDING SYSTEM VALUE "  # noqa: S608 - quoted names
                f"SELECT * FROM {qbase}.{_quote(t)}"
            )
        for table, name, definition in constraints:
            sql.append(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
        sql.extend(indexes)
        # carry each identity sequence's position over: new rows never collide with copied ones
        for table, column, last_value in positions:
            regclass = f"{qnew}.{_quote(table)}".replace("'", "''")
            col = column.replace("'", "''")
            sql.append(
                f"SELECT setval(pg_get_serial_sequence('{regclass}', '{col}'), {int(last_value)})"
            )
        cursor.execute(";\n".join(sql))  # one round trip
        cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
