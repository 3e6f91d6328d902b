"""``mortar-api add_tenant --schema acme --domain acme.localhost [--domain ...] --name ...
--admin-email ... [--admin-password ... | env MORTAR_ADMIN_PASSWORD | generated, printed once]
[--empty]``: the tenant starts with the welcome content (site name = --name) unless --empty."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mortar_api.tenancy.provisioning import TenantError, create_tenant


class Command(BaseCommand):
    help = "Create a tenant (cloned from the template schema), its domains and first admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", required=True, help="schema name, e.g. acme")
        parser.add_argument(
            "--domain", action="append", required=True, help="host name (repeat; first=primary)"
        )
        parser.add_argument("--name", help="display name (default: the schema)")
        parser.add_argument("--admin-email", help="first admin user (its username is the email)")
        parser.add_argument(
            "--admin-password", help="else env MORTAR_ADMIN_PASSWORD, else generated"
        )
        parser.add_argument(
            "--empty",
            action="store_true",
            help="no welcome content (site name, home page, header menu): e.g. to import",
        )
        parser.add_argument(
            "--migrate", action="store_true", help="run every migration instead of cloning (slow)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()
        try:
            created = create_tenant(
                opts["schema"],
                opts["domain"],
                name=opts["name"],
                admin_email=opts["admin_email"],
                admin_password=opts["admin_password"],
                clone=not opts["migrate"],
                welcome=not opts["empty"],
                verbosity=max(0, opts["verbosity"] - 1),
            )
        except TenantError as exc:
            raise CommandError(str(exc)) from exc
        tenant = created.tenant
        domains = ", ".join(tenant.domains.values_list("domain", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                f"tenant {tenant.schema_name} created in {time.perf_counter() - started:.2f}s "
                f"({domains})"
            )
        )
        if created.admin_username:
            self.stdout.write(f"admin user: {created.admin_username}")
        if created.generated_password:
            self.stdout.write(f"admin password (shown once): {created.generated_password}")
