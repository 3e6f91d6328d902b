"""``mortar-api export_tenant --schema acme``: the tenant's public rows as JSON on stdout
(for `mortar tenant backup`; its schema and media are dumped by mortar_infra)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mortar_api.tenancy.provisioning import TenantError
from mortar_api.tenancy.transfer import export_rows


class Command(BaseCommand):
    help = "Print a tenant's row, domains and routed beat entries as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            rows = export_rows(opts["schema"])
        except TenantError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(rows, ensure_ascii=False))
