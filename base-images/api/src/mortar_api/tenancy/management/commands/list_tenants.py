"""``mortar-api list_tenants``: schema, state, migration state, size, domains per tenant
(``--json``: a list of objects with schema, name, domains, state, migration, behind,
migration_error, size_bytes)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mortar_api.tenancy.inventory import tenant_rows


def human_size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


class Command(BaseCommand):
    help = "List tenants: schema, state, migration state, size, domains."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        rows = tenant_rows()
        if opts["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in rows]))
            return
        width = max([len(r.schema) for r in rows] + [6])
        self.stdout.write(
            f"{'SCHEMA':<{width}}  {'STATE':<11}  {'MIGRATIONS':<10}  {'SIZE':>9}  DOMAINS"
        )
        for r in rows:
            self.stdout.write(
                f"{r.schema:<{width}}  {r.state:<11}  {r.migration:<10}  "
                f"{human_size(r.size_bytes):>9}  {' '.join(r.domains)}"
            )
            if r.migration_error:
                self.stdout.write(f"{'':<{width}}  error: {r.migration_error}")
