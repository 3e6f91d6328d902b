"""A lean schema clone for Django-made schemas (tables, identity columns, indexes, constraints).

django-tenants' generic ``clone_schema()`` PL/pgSQL handles every kind of object and costs
about a second per tenant on a busy 2-core machine. A template made by Django migrations
holds only tables, their identity sequences, stored generated columns (the pages' search
index), indexes and constraints, so this module copies exactly those in one round trip,
keeping every object name (later migrations drop indexes and constraints by name). Anything
else in the template (views, functions, triggers, enums, stand-alone or serial sequences,
partitions) makes ``supports_fast_clone`` false, and the caller falls back to
django-tenants' clone.
"""

from __future__ import annotations

import json

from django.db import connection, transaction
from django_tenants.utils import quote_schema_name

# Catalog queries start from the template's own relations (``rel``) found through
# pg_depend (every object in a schema depends on it - what DROP SCHEMA ... CASCADE uses - and
# the lookup is indexed), then reach the other catalogs through their per-relation
# indexes (LATERAL ... LIMIT keeps the planner on them). With 1,000 tenants the catalogs
# hold hundreds of thousands of rows: a scan of pg_class, or the pg_sequences view (which
# reads every sequence of the database), would make each clone slower than the last.
_REL = """
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = %s),
rel AS MATERIALIZED (
  SELECT c.oid, c.relname, c.relkind FROM ns
  JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = ns.oid
   AND d.classid = 'pg_class'::regclass
  JOIN pg_class c ON c.oid = d.objid
)
"""

_UNSUPPORTED = (
    _REL  # noqa: S608 - constant SQL, parameters go through %s
    + """
SELECT
  (SELECT count(*) FROM rel WHERE rel.relkind NOT IN ('r', 'i', 'S'))
+ (SELECT count(*) FROM rel s WHERE s.relkind = 'S'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                     AND d.objid = s.oid AND d.deptype = 'i'))
+ (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = ns.oid)
+ (SELECT count(*) FROM pg_depend d  -- stand-alone types (a table's row type depends on it)
     WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = ns.oid
     AND d.classid = 'pg_type'::regclass)
+ (SELECT count(*) FROM rel c, LATERAL (SELECT 1 FROM pg_trigger g
     WHERE g.tgrelid = c.oid AND NOT g.tgisinternal LIMIT 1) x)
+ (SELECT count(*) FROM rel c, LATERAL (SELECT 1 FROM pg_constraint k
     WHERE k.conrelid = c.oid AND k.contype NOT IN ('p', 'u', 'f', 'c', 'x') LIMIT 1) x)
FROM ns
"""
)

# tables; constraints (table, name, definition): primary/unique/exclusion first (foreign
# keys need their referenced index), then checks, FKs; stand-alone index definitions;
# identity columns' sequence positions; the columns rows are copied into, for tables with
# generated columns (computed again in the copy) - printed with search_path = the template.
_DEFINITIONS = (
    _REL  # noqa: S608 - constant SQL, parameters go through %s
    + """
SELECT
  (SELECT coalesce(array_agg(relname ORDER BY relname), '{}') FROM rel WHERE relkind = 'r'),
  (SELECT coalesce(json_agg(json_build_array(c.relname, k.conname, pg_get_constraintdef(k.oid))
            ORDER BY array_position(ARRAY['p','u','x','c','f'], k.contype::text),
                     c.relname, k.conname), '[]')
     FROM rel c JOIN pg_constraint k ON k.conrelid = c.oid WHERE c.relkind = 'r'),
  (SELECT coalesce(array_agg(d ORDER BY d), '{}') FROM (
     SELECT pg_get_indexdef(i.indexrelid) AS d
     FROM rel c JOIN pg_index i ON i.indrelid = c.oid
     WHERE c.relkind = 'r' AND NOT EXISTS (SELECT 1 FROM pg_constraint k
       WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
       AND k.contype IN ('p','u','x'))) AS idx),
  (SELECT coalesce(json_agg(json_build_array(c.relname, a.attname, pg_sequence_last_value(
            pg_get_serial_sequence(quote_ident(%s) || '.' || quote_ident(c.relname),
                                   a.attname)::regclass))), '[]')
     FROM rel c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relkind = 'r' AND a.attidentity <> '' AND a.attnum > 0),
  (SELECT coalesce(json_object_agg(c.relname, x.cols), '{}')
     FROM rel c, LATERAL (SELECT array_agg(a.attname ORDER BY a.attnum) AS cols
       FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = '') x
     WHERE c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_attribute g
       WHERE g.attrelid = c.oid AND g.attnum > 0 AND g.attgenerated <> ''))
"""
)


def supports_fast_clone(base: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_UNSUPPORTED, [base])
        row = cursor.fetchone()
    return row is not None and row[0] == 0


Definitions = tuple[
    list[str],
    list[tuple[str, str, str]],
    list[str],
    list[tuple[str, str, int]],
    dict[str, list[str]],
]


def _definitions(cursor, base: str) -> Definitions:
    """Tables, constraints, stand-alone index definitions, identity positions and the
    stored columns of tables with generated ones, in one query, printed with
    ``search_path = base`` so they come out unqualified."""
    cursor.execute("SELECT current_setting('search_path')")
    search_path = cursor.fetchone()[0]
    cursor.execute(f"SET LOCAL search_path TO {quote_schema_name(base)}")
    cursor.execute(_DEFINITIONS, [base, base])
    tables, constraints, rows, positions, stored = cursor.fetchone()
    # json comes back decoded with psycopg 3; be safe
    constraints, positions, stored = (
        json.loads(v) if isinstance(v, str) else v for v in (constraints, positions, stored)
    )
    # pg_get_indexdef always qualifies the table: drop the template's schema from it
    cursor.execute("SELECT quote_ident(%s)", [base])
    qualified = f" ON {cursor.fetchone()[0]}."
    indexes = [r.replace(qualified, " ON ", 1) for r in rows]
    cursor.execute("SELECT set_config('search_path', %s, true)", [search_path])
    live = [(t, c, v) for t, c, v in positions if v is not None]  # never-used: nothing to set
    return list(tables), [tuple(c) for c in constraints], indexes, live, dict(stored)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fast_clone_schema(base: str, new: str) -> None:
    """Create schema ``new`` as a copy (structure and rows) of ``base``, in one transaction."""
    qbase, qnew = quote_schema_name(base), quote_schema_name(new)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        search_path = cursor.fetchone()[0]
        tables, constraints, indexes, positions, stored = _definitions(cursor, base)
        like = (
            "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE "
            "INCLUDING COMMENTS"
        )
        sql = [f"CREATE SCHEMA {qnew}", f"SET LOCAL search_path TO {qnew}"]
        for t in tables:
            sql.append(f"CREATE TABLE {_quote(t)} (LIKE {qbase}.{_quote(t)} {like})")
            # a generated column takes no value: name the others (it is computed again)
            cols = f"({', '.join(map(_quote, stored[t]))})" if t in stored else ""
            select = ", ".join(map(_quote, stored[t])) if t in stored else "*"
            sql.append(
                f"INSERT INTO {_quote(t)} {cols} OVERRIDING SYSTEM VALUE "  # noqa: S608 - quoted
                f"SELECT {select} FROM {qbase}.{_quote(t)}"
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
