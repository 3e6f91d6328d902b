"""Tenant (one PostgreSQL schema each) and Domain (host names routed to a tenant)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.db import connection, models
from django_tenants.clone import CloneSchema
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name, quote_schema_name, schema_exists

from mortar_api.tenancy.clone import fast_clone_schema, supports_fast_clone


class TenantQuerySet(models.QuerySet):
    def sites(self) -> TenantQuerySet:
        """Real tenants: not the public schema and not the clone template."""
        return self.exclude(schema_name=get_public_schema_name()).exclude(is_template=True)


class Tenant(TenantMixin):
    name = models.CharField(max_length=200)
    created_on = models.DateTimeField(auto_now_add=True)
    is_template = models.BooleanField(
        default=False, help_text="The migrated schema new tenants are cloned from; never served."
    )

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        MAINTENANCE = "maintenance", "Maintenance"  # schema behind the code: 503 until migrated
        SUSPENDED = "suspended", "Suspended"  # by an operator: 503, data kept, tasks paused

    state = models.CharField(
        max_length=12, choices=State.choices, default=State.ACTIVE, db_index=True
    )
    # The last tenant migration run's error for this schema (empty when it went through).
    migration_error = models.TextField(blank=True)

    auto_create_schema = True
    auto_drop_schema = False  # deleting a row never drops data by accident; see delete_tenant

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["schema_name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.schema_name})"

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> bool:
        """Clone the template schema when it exists, else create and migrate.

        Cloning copies the template's tables, sequences and rows - its django_migrations
        included - so the clone is already fully migrated and the per-tenant
        ``migrate --fake`` django-tenants would run is skipped (it costs most of the time).
        The lean clone (tenancy.clone) is used when the template allows it, else
        django-tenants' clone_schema().
        """
        base = settings.TENANT_BASE_SCHEMA
        if getattr(self, "_mortar_migrate", False) and sync_schema:
            # the slow path, kept for the benchmark and for sites without a template
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {quote_schema_name(self.schema_name)}")
            self.migrate()
            connection.set_schema_to_public()
            return True
        if not sync_schema or self.is_template or not schema_exists(base):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        started = time.perf_counter()
        if supports_fast_clone(base):
            fast_clone_schema(base, self.schema_name)
        else:  # the template holds objects the lean clone does not copy
            CloneSchema().clone_schema(base, self.schema_name, "DATA")
        if verbosity >= 2:
            print(f"cloned {base} -> {self.schema_name} in {time.perf_counter() - started:.2f}s")
        connection.set_schema_to_public()
        return True

    def migrate(self, verbosity: int = 0) -> None:
        """Run this tenant's migrations (used by the benchmark and repairs)."""
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=self.schema_name,
            interactive=False,
            verbosity=verbosity,
        )


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def save(self, *args: object, **kwargs: object) -> None:
        from mortar_api.settings_helpers import normalise_host

        self.domain = normalise_host(self.domain)
        super().save(*args, **kwargs)
