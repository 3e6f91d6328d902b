"""``mortar-api remove_tenant --schema acme --yes``: drop a tenant, its domains and its schema."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mortar_api.tenancy.provisioning import TenantError, delete_tenant


class Command(BaseCommand):
    help = "Delete a tenant and DROP its schema (all its content). Needs --yes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", required=True)
        parser.add_argument("--yes", action="store_true", help="confirm dropping the data")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["yes"]:
            raise CommandError("this drops the tenant's schema and content; add --yes to confirm")
        try:
            delete_tenant(opts["schema"])
        except TenantError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"tenant {opts['schema']} removed"))
