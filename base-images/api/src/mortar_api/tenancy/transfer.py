"""A tenant's rows in the public schema, exported and imported for `mortar tenant backup`
and `restore` (its schema travels as a pg_dump, its media as files: mortar_infra does both).

Exported: the Tenant row's name and state, its domains, and the beat entries routed to its
schema (``_schema_name`` header) with their schedules. Imported beside a restored schema,
possibly under a new schema name: then stored file names (``<old>/...``) and media URLs in
text (``/media/<old>/``) are rewritten to the new name, and cached pages for its hosts are
dropped.
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models.functions import Concat, Substr
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from mortar_api.tenancy.models import Domain, Tenant
from mortar_api.tenancy.provisioning import TenantError, validate_domains, validate_schema_name

_SCHEDULES = ("interval", "crontab", "solar", "clocked")
_SKIP = {"id", "last_run_at", "total_run_count", "date_changed", *_SCHEDULES}


def _routed_tasks(schema: str) -> list[Any]:
    from django_celery_beat.models import PeriodicTask

    out = []
    for task in PeriodicTask.objects.filter(headers__contains=schema):
        try:
            routed = json.loads(task.headers or "{}").get("_schema_name")
        except (ValueError, AttributeError):
            continue
        if routed == schema:
            out.append(task)
    return out


def _fields(obj: models.Model, skip: set[str]) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in skip and not f.is_relation
    }


def export_rows(schema: str) -> dict[str, Any]:
    """What the public schema knows of `schema`, as JSON-ready data."""
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema, is_template=False).first()
        if tenant is None:
            raise TenantError(f"no tenant {schema!r}")
        tasks = []
        for task in _routed_tasks(schema):
            schedule = {}
            for kind in _SCHEDULES:
                target = getattr(task, kind, None)
                if target is not None:
                    schedule = {"kind": kind, **_fields(target, {"id"})}
            tasks.append({"task": _fields(task, _SKIP), "schedule": schedule})
        return {
            "schema": schema,
            "name": tenant.name,
            "state": tenant.state,
            "domains": [
                {"domain": d.domain, "is_primary": d.is_primary}
                for d in tenant.domains.order_by("-is_primary", "domain")
            ],
            "periodic_tasks": json.loads(json.dumps(tasks, default=str)),
        }


def _schedule(data: dict[str, Any]) -> tuple[str, models.Model] | None:
    from django_celery_beat import models as beat

    if not data:
        return None
    kind = data.pop("kind")
    model = {
        "interval": beat.IntervalSchedule,
        "crontab": beat.CrontabSchedule,
        "solar": beat.SolarSchedule,
        "clocked": beat.ClockedSchedule,
    }[kind]
    obj = model.objects.filter(**data).first() or model.objects.create(**data)
    return kind, obj


def _rewrite_media(old: str, new: str) -> int:
    """Stored file names `<old>/...` -> `<new>/...` and `/media/<old>/` in text columns."""
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND data_type IN ('text', 'character varying', 'jsonb')",
            [new],
        )
        columns = cursor.fetchall()
    tables = {t for t, _, _ in columns}
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                changed += model.objects.filter(
                    **{f"{field.attname}__startswith": f"{old}/"}
                ).update(
                    **{
                        field.attname: Concat(
                            models.Value(f"{new}/"), Substr(field.attname, len(old) + 2)
                        )
                    }
                )
    # links in text and JSON (`/media/<old>/...`), storage names inside JSON (renditions:
    # a string value that starts with `<old>/`)
    pairs = {"text": [(f"/media/{old}/", f"/media/{new}/")]}
    pairs["jsonb"] = [*pairs["text"], (f'"{old}/', f'"{new}/')]
    with connection.cursor() as cursor:
        for table, column, data_type in columns:
            json_col = data_type == "jsonb"
            cast, back = ("::text", "::jsonb") if json_col else ("", "")
            q_table, q_col = connection.ops.quote_name(table), connection.ops.quote_name(column)
            for src, dst in pairs["jsonb" if json_col else "text"]:
                cursor.execute(
                    f"UPDATE {q_table} SET {q_col} = replace({q_col}{cast}, %s, %s){back} "  # noqa: S608 - quoted names
                    f"WHERE strpos({q_col}{cast}, %s) > 0",
                    [src, dst, src],
                )
                changed += cursor.rowcount
    return changed


def import_rows(rows: dict[str, Any], schema: str, domains: list[str] | None = None) -> Tenant:
    """Register the already-restored schema `schema` as a tenant with the exported rows
    (domains replaced by `domains` when given). All or nothing; refuses a schema or domain
    that another tenant has."""
    from django_celery_beat.models import PeriodicTask

    from mortar_api.tenancy.removal import delete_cache_keys

    validate_schema_name(schema)
    old = rows["schema"]
    with schema_context(get_public_schema_name()):
        if Tenant.objects.filter(schema_name=schema).exists():
            raise TenantError(f"tenant {schema!r} already exists")
        if not schema_exists(schema):
            raise TenantError(f"schema {schema!r} is not there (restore it first)")
        wanted = domains or [d["domain"] for d in rows["domains"]]
        hosts = validate_domains(wanted)
        with transaction.atomic():
            tenant = Tenant(schema_name=schema, name=rows["name"], state=rows["state"])
            tenant.auto_create_schema = False  # the schema is the restored one
            tenant.save()
            for i, host in enumerate(hosts):
                primary = (
                    i == 0
                    if domains
                    else any(d["is_primary"] for d in rows["domains"] if d["domain"] == host)
                )
                Domain.objects.create(domain=host, tenant=tenant, is_primary=primary)
            for entry in rows["periodic_tasks"]:
                data = dict(entry["task"])
                headers = json.loads(data.get("headers") or "{}")
                headers["_schema_name"] = schema
                data["headers"] = json.dumps(headers)
                if schema != old:
                    renamed = data["name"].replace(old, schema)
                    data["name"] = (
                        renamed if renamed != data["name"] else f"{data['name']} ({schema})"
                    )
                if PeriodicTask.objects.filter(name=data["name"]).exists():
                    raise TenantError(f"beat entry {data['name']!r} already exists")
                found = _schedule(dict(entry["schedule"]))
                if found:
                    data[found[0]] = found[1]
                PeriodicTask.objects.create(**data)
            if schema != old:
                with schema_context(schema):
                    _rewrite_media(old, schema)
    delete_cache_keys(schema, hosts)  # nothing cached may outlive what was there before
    return tenant
