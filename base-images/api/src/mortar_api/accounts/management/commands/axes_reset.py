"""``mortar-api axes_reset``: django-axes' command, made tenant-aware.

Each tenant keeps its own login attempts (``axes`` is a tenant app), so axes' own command
would look for them in the public schema. This one (it takes the name because this app is
listed before ``axes``) resets every tenant, or the ``--schema`` given, or — run through
``tenant_command axes_reset --schema=x`` — the current one; ``--username``/``--ip`` narrow
it (both given: attempts matching both).
"""

from __future__ import annotations

import ipaddress
from itertools import product
from typing import Any

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from mortar_api.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Reset login lockouts (django-axes attempts) of every tenant, or of the ones given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schema", action="append", default=[], help="a tenant's schema (repeatable)"
        )
        parser.add_argument("--username", action="append", default=[], help="repeatable")
        parser.add_argument("--ip", action="append", default=[], help="repeatable")

    def _schemas(self, wanted: list[str]) -> list[str]:
        if connection.schema_name != get_public_schema_name():
            if wanted and wanted != [connection.schema_name]:
                raise CommandError("--schema cannot be used inside tenant_command")
            return [connection.schema_name]  # tenant_command already chose the tenant
        sites = list(Tenant.objects.sites().values_list("schema_name", flat=True))
        unknown = sorted(set(wanted) - set(sites))
        if unknown:
            raise CommandError(f"no such tenant: {', '.join(unknown)}")
        return wanted or sites

    def handle(self, *args: Any, **opts: Any) -> None:
        usernames: list[str | None] = opts["username"] or [None]
        for ip in opts["ip"]:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise CommandError(f"not an IP address: {ip!r}") from None
        ips: list[str | None] = opts["ip"] or [None]
        total = 0
        for schema in self._schemas(opts["schema"]):
            with schema_context(schema):
                count = sum(reset(ip=ip, username=user) for user, ip in product(usernames, ips))
            total += count
            self.stdout.write(f"{schema}: {count} attempt(s) removed")
        self.stdout.write(f"{total} attempt(s) removed in total")
