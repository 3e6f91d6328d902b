"""The lean schema clone: a cloned tenant is structurally identical to the template."""

import re
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from mortar_api.tenancy.clone import fast_clone_schema, supports_fast_clone


def _snapshot(schema: str) -> dict[str, list]:
    def norm(value):
        return re.sub(rf"\b{re.escape(schema)}\.", "", value) if isinstance(value, str) else value

    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, "
        "is_identity, identity_generation, character_maximum_length, is_generated, "
        "generation_expression "
        "FROM information_schema.columns WHERE table_schema = %s",
        "constraints": "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), "
        "k.condeferrable, k.condeferred FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = %s",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
        "sequences": "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s",
    }
    out = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, [schema])
            out[name] = sorted(tuple(norm(v) for v in row) for row in cursor.fetchall())
    return out


@pytest.mark.django_db
def test_cloned_tenant_matches_template(tenant_a):
    template, clone = _snapshot("mortar_template"), _snapshot("apitest_a")
    for part in ("columns", "constraints", "indexes"):
        assert clone[part] == template[part], part
    assert len(template["constraints"]) > 20 and len(template["indexes"]) > 20
    # every foreign key of the clone points inside the clone (or to public), never the template
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT confrelid::regclass::text FROM pg_constraint k JOIN pg_namespace n "
            "ON n.oid = k.connamespace WHERE n.nspname = 'apitest_a' AND contype = 'f'"
        )
        targets = [r[0] for r in cursor.fetchall()]
    assert targets and not [t for t in targets if t.startswith("mortar_template.")]


@pytest.mark.django_db
def test_cloned_rows_and_sequences_continue(tenant_a):
    from django.contrib.contenttypes.models import ContentType

    with schema_context("mortar_template"):
        template_types = set(ContentType.objects.values_list("id", "app_label", "model"))
    with schema_context("apitest_a"):
        assert set(ContentType.objects.values_list("id", "app_label", "model")) >= template_types
        new = ContentType.objects.create(app_label="apitest", model=f"m{uuid.uuid4().hex[:6]}")
        assert new.id > max(i for i, _, _ in template_types)  # no primary key collision


@pytest.mark.django_db
def test_generated_columns_are_cloned_and_computed(tenant_a):
    """The pages' search index (stored generated columns) is copied as a generation, not as
    values: a page saved in the clone is indexed by the clone's own column."""
    from mortar_api.cms.models import Page

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, generation_expression FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = 'cms_page' AND is_generated = 'ALWAYS'",
            ["apitest_a"],
        )
        generated = dict(cursor.fetchall())
    assert set(generated) >= {"search_en", "search_ar"}
    assert supports_fast_clone("mortar_template")  # the lean clone copies them
    assert "'arabic'::regconfig" in generated["search_ar"]
    with schema_context("apitest_a"):
        page = Page.objects.create(title="Cloned", slug="cloned", body="<p>Granite quarries</p>")
        found = Page.objects.filter(search_en="quarry").values_list("pk", flat=True)
        assert list(found) == [page.pk]


UNSUPPORTED = {
    "view": "CREATE VIEW {s}.v AS SELECT 1 AS x",
    "sequence": "CREATE SEQUENCE {s}.counter",
    "function": "CREATE FUNCTION {s}.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "enum": "CREATE TYPE {s}.mood AS ENUM ('ok')",
    "composite": "CREATE TYPE {s}.pair AS (a int, b int)",
    "trigger": "CREATE FUNCTION {s}.tf() RETURNS trigger LANGUAGE plpgsql AS "
    "'BEGIN RETURN NEW; END'; DROP FUNCTION {s}.tf(); "
    "CREATE TRIGGER t BEFORE INSERT ON {s}.django_migrations "
    "FOR EACH ROW EXECUTE FUNCTION public.mortar_test_noop()",
    "partitioned table": "CREATE TABLE {s}.p (x int) PARTITION BY RANGE (x)",
}


@pytest.mark.parametrize("kind", sorted(UNSUPPORTED))
def test_unsupported_template_objects_fall_back(committed_db, kind):
    scratch = f"apitest_tpl{uuid.uuid4().hex[:6]}"
    fast_clone_schema("mortar_template", scratch)
    try:
        assert supports_fast_clone(scratch)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION public.mortar_test_noop() RETURNS trigger "
                "LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'"
            )
            cursor.execute(UNSUPPORTED[kind].format(s=f'"{scratch}"'))
        assert not supports_fast_clone(scratch)  # -> django-tenants' generic clone
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{scratch}" CASCADE')
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        assert "apitest_tpl" not in cursor.fetchone()[0]  # search_path restored
