"""``mortar-api migrate_tenants``: public schema, then every tenant schema in parallel.

Progress lines come from django-tenants (``[3/12 (25%) multiprocessing:acme] ...``); the
clone template is migrated like any tenant so new tenants are cloned up to date.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from mortar_api.tenancy.models import Tenant
from mortar_api.tenancy.provisioning import ensure_template


class Command(BaseCommand):
    help = "Migrate the public schema, the clone template and all tenants (in parallel)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="parallel workers (MORTAR_MIGRATE_PROCESSES)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from django.conf import settings

        if opts["processes"]:
            settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = opts["processes"]
        verbosity = opts["verbosity"]
        started = time.perf_counter()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        ensure_template(verbosity=0)
        count = Tenant.objects.exclude(schema_name="public").count()
        self.stdout.write(f"migrating {count} tenant schema(s) (template included)")
        executor = "multiprocessing" if count > 1 else "standard"
        call_command(
            "migrate_schemas",
            tenant=True,
            executor=executor,
            interactive=False,
            verbosity=verbosity,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"migrated public + {count} schema(s) in {time.perf_counter() - started:.1f}s"
            )
        )
