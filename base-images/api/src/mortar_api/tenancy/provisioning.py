"""Creating tenants: validation, the clone template, the first admin user.

Used by the management commands (add_tenant, ensure_first_tenant) and the benchmark.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from mortar_api.settings_helpers import normalise_host
from mortar_api.tenancy.models import Domain, Tenant

log = logging.getLogger(__name__)

SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class TenantError(ValueError):
    """Bad input for a tenant operation; the message says what to fix."""


@dataclass
class CreatedTenant:
    tenant: Tenant
    admin_username: str | None
    generated_password: str | None  # only set when we made one up (print it once)


def validate_schema_name(schema: str) -> str:
    reserved = {get_public_schema_name(), settings.TENANT_BASE_SCHEMA, "information_schema"}
    if not SCHEMA_RE.match(schema or ""):
        raise TenantError(
            f"invalid schema name {schema!r}: "
            "use 2-48 characters a-z, 0-9, _ starting with a letter"
        )
    if schema in reserved or schema.startswith("pg_"):
        raise TenantError(f"schema name {schema!r} is reserved")
    return schema


def validate_domains(domains: list[str], tenant: Tenant | None = None) -> list[str]:
    """Normalised, well-formed host names that no other tenant already uses."""
    clean: list[str] = []
    for raw in domains:
        host = normalise_host(raw)
        if not HOST_RE.match(host):
            raise TenantError(f"invalid domain {raw!r}")
        if host not in clean:
            clean.append(host)
    if not clean:
        raise TenantError("give at least one domain")
    taken = Domain.objects.filter(domain__in=clean)
    if tenant is not None:
        taken = taken.exclude(tenant=tenant)
    owners = {d.domain: d.tenant.schema_name for d in taken.select_related("tenant")}
    if owners:
        raise TenantError(
            "domain(s) already used by another tenant: "
            + ", ".join(f"{d} ({s})" for d, s in sorted(owners.items()))
        )
    return clean


def ensure_template(verbosity: int = 0) -> Tenant:
    """The migrated template schema new tenants are cloned from (created if missing)."""
    with schema_context(get_public_schema_name()):
        template = Tenant.objects.filter(is_template=True).first()
        if template is None:
            template = Tenant(
                schema_name=settings.TENANT_BASE_SCHEMA, name="clone template", is_template=True
            )
            template.save(verbosity=verbosity)
        elif not schema_exists(template.schema_name):
            template.save(verbosity=verbosity)  # django-tenants recreates a missing schema
    return template


def resolve_password(password: str | None) -> tuple[str, bool]:
    """(password, generated?) from the argument, env MORTAR_ADMIN_PASSWORD, or a new one."""
    password = password or os.environ.get("MORTAR_ADMIN_PASSWORD") or None
    if password is None:
        return secrets.token_urlsafe(18), True
    if len(password) < 8:
        raise TenantError("admin password must have at least 8 characters")
    return password, False


def create_tenant(
    schema: str,
    domains: list[str],
    name: str | None = None,
    admin_email: str | None = None,
    admin_password: str | None = None,
    clone: bool = True,
    verbosity: int = 0,
    welcome: bool = True,
) -> CreatedTenant:
    """Create a tenant (cloned from the template, or migrated), its domains and first admin.

    With ``welcome`` the tenant starts with its site name, a published home page and a
    header menu (``cms.welcome``); without, it starts empty (e.g. to import content).
    All or nothing: a failure leaves no schema, row, domain or content behind.
    """
    validate_schema_name(schema)
    with schema_context(get_public_schema_name()):
        if Tenant.objects.filter(schema_name=schema).exists() or schema_exists(schema):
            raise TenantError(f"tenant/schema {schema!r} already exists")
        hosts = validate_domains(domains)
        if admin_email:
            try:
                validate_email(admin_email)
            except ValidationError as exc:
                raise TenantError(f"invalid admin email {admin_email!r}") from exc
        password, generated = resolve_password(admin_password) if admin_email else (None, False)
        if clone:
            ensure_template(verbosity)
        with transaction.atomic():
            tenant = Tenant(schema_name=schema, name=name or schema)
            tenant._mortar_migrate = not clone
            tenant.save(verbosity=verbosity)
            for i, host in enumerate(hosts):
                Domain.objects.create(domain=host, tenant=tenant, is_primary=i == 0)
            username = None
            if admin_email:
                username = create_admin(tenant, admin_email, password)
            if welcome:
                from mortar_api.cms.welcome import seed_welcome

                with schema_context(tenant.schema_name):
                    seed_welcome(name or schema)
    return CreatedTenant(tenant, username, password if generated else None)


def create_admin(tenant: Tenant, email: str, password: str) -> str:
    """A superuser in the tenant's own schema (each tenant has its own editors)."""
    from django.contrib.auth import get_user_model

    with schema_context(tenant.schema_name):
        user_model = get_user_model()
        if user_model.objects.filter(username=email).exists():
            raise TenantError(f"user {email!r} already exists in tenant {tenant.schema_name!r}")
        user_model.objects.create_superuser(username=email, email=email, password=password)
    return email


def delete_tenant(schema: str) -> None:
    """Drop a tenant's row, domains and schema (explicit; rows never drop schemas by
    themselves), its local media folder, its Redis keys and beat entries routed to it."""
    from mortar_api.tenancy.removal import delete_beat_entries, delete_cache_keys

    validate_schema_name(schema)
    with schema_context(get_public_schema_name()):
        tenant = Tenant.objects.filter(schema_name=schema).first()
        if tenant is None:
            raise TenantError(f"no tenant {schema!r}")
        hosts = list(tenant.domains.values_list("domain", flat=True))
        tenant.delete(force_drop=True)
        delete_beat_entries(schema)
    remove_tenant_media(schema)
    delete_cache_keys(schema, hosts)


def remove_tenant_media(schema: str) -> None:
    """Delete ``MEDIA_ROOT/<schema>/`` or the bucket's ``<schema>/`` prefix so a later tenant
    of the same name never sees the old files (``MORTAR_MEDIA_KEEP_REMOVED`` keeps them)."""
    from django.core.files.storage import FileSystemStorage, default_storage

    from mortar_api.media.objectstore import STORAGE_ERRORS, is_s3, probe, remove_tenant_prefix

    if is_s3():
        try:
            remove_tenant_prefix(schema)
        except STORAGE_ERRORS:  # the tenant is gone already: finish, and say what is left
            log.warning("tenant %s removed; its media objects were not: %s", schema, probe())
    elif isinstance(default_storage, FileSystemStorage) and not settings.MORTAR_MEDIA_KEEP_REMOVED:
        folder = Path(default_storage.location) / schema
        if folder.is_dir():
            shutil.rmtree(folder)
