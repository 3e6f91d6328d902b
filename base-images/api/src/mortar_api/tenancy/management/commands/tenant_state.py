"""``mortar-api tenant_state SCHEMA suspend|resume``: take a tenant offline (503 on web and
api, data kept, periodic tasks skipped) or bring it back.

Resuming a tenant whose schema is behind the code or whose last migration failed leaves it
in maintenance (still 503) until ``migrate_tenants`` brings it up to date.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_context

from mortar_api.tenancy import states
from mortar_api.tenancy.migration_state import pending_by_schema
from mortar_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Suspend or resume a tenant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("schema")
        parser.add_argument("action", choices=["suspend", "resume"])

    def handle(self, *args: Any, **opts: Any) -> None:
        schema = opts["schema"]
        with schema_context(get_public_schema_name()):
            tenant = Tenant.objects.sites().filter(schema_name=schema).first()
            if tenant is None:
                raise CommandError(f"no tenant {schema!r}")
            if opts["action"] == "suspend":
                state = Tenant.State.SUSPENDED
            elif tenant.migration_error or pending_by_schema([schema])[schema] != []:
                state = Tenant.State.MAINTENANCE
            else:
                state = Tenant.State.ACTIVE
        states.set_state([schema], state)
        self.stdout.write(self.style.SUCCESS(f"tenant {schema}: {state}"))
        if state == Tenant.State.MAINTENANCE:
            self.stdout.write(
                "  its schema is behind the code or its last migration failed: "
                "it answers 503 until `migrate_tenants` brings it up to date"
            )
