"""``mortar-api list_tenants``: one line per tenant: schema, name, domains (JSON with --json)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mortar_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = "List tenants and their domains."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = [
            {
                "schema": t.schema_name,
                "name": t.name,
                "domains": [d.domain for d in t.domains.order_by("-is_primary", "domain")],
            }
            for t in Tenant.objects.sites().prefetch_related("domains")
        ]
        if opts["json"]:
            self.stdout.write(json.dumps(rows))
            return
        for row in rows:
            self.stdout.write(f"{row['schema']}\t{row['name']}\t{' '.join(row['domains'])}")
