"""``mortar-api import_tenant --schema NEW --rows FILE [--domain D ...]``: register a
restored schema as a tenant from `export_tenant`'s JSON (for `mortar tenant restore`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mortar_api.tenancy.provisioning import TenantError
from mortar_api.tenancy.transfer import import_rows


class Command(BaseCommand):
    help = "Create the Tenant/Domain rows and beat entries of a restored tenant schema."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", required=True, help="the restored schema's name")
        parser.add_argument("--rows", required=True, help="export_tenant's JSON file")
        parser.add_argument("--domain", action="append", help="instead of the exported ones")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = json.loads(Path(opts["rows"]).read_text())
        try:
            tenant = import_rows(rows, opts["schema"], opts["domain"])
        except TenantError as exc:
            raise CommandError(str(exc)) from exc
        domains = " ".join(tenant.domains.values_list("domain", flat=True))
        self.stdout.write(f"tenant {tenant.schema_name} imported ({domains})")
