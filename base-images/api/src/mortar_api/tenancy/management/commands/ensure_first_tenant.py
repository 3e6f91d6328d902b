"""Idempotent: make sure the tenant serving MORTAR_DOMAINS exists (migrate role, site up).

Schema = MORTAR_SITE_SLUG, name = settings.MORTAR_SITE_NAME (env MORTAR_SITE_NAME, or the
site's answer in its settings), admin = MORTAR_ADMIN_EMAIL / MORTAR_ADMIN_PASSWORD (generated
and printed once when unset). A new tenant starts with the welcome content (cms.welcome);
an existing one is never re-seeded. Domains missing from an existing tenant are added; a
domain owned by another tenant is an error.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from mortar_api.tenancy.models import Domain, Tenant
from mortar_api.tenancy.provisioning import (
    TenantError,
    create_tenant,
    ensure_template,
    validate_domains,
)


class Command(BaseCommand):
    help = "Create the first tenant for MORTAR_DOMAINS if missing (safe to run every deploy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", default=None, help="default: MORTAR_SITE_SLUG")
        parser.add_argument("--domain", action="append", help="default: MORTAR_DOMAINS")
        parser.add_argument("--name", default=None, help="default: MORTAR_SITE_NAME or the schema")
        parser.add_argument(
            "--empty", action="store_true", help="create it without the welcome content"
        )
        parser.add_argument("--admin-email", default=None, help="default: MORTAR_ADMIN_EMAIL")

    def handle(self, *args: Any, **opts: Any) -> None:
        domains = opts["domain"] or list(settings.MORTAR_DOMAINS)
        if not domains:
            raise CommandError("no domains: set MORTAR_DOMAINS or pass --domain")
        schema = opts["schema"] or settings.MORTAR_SITE_SLUG
        name = opts["name"] or settings.MORTAR_SITE_NAME or schema
        email = opts["admin_email"] or os.environ.get("MORTAR_ADMIN_EMAIL")
        try:
            ensure_template()
            tenant = Tenant.objects.filter(schema_name=schema).first()
            if tenant is None:
                created = create_tenant(
                    schema,
                    domains,
                    name=name,
                    admin_email=email or f"admin@{domains[0]}",
                    welcome=not opts["empty"],
                )
                self.stdout.write(self.style.SUCCESS(f"tenant {schema} created"))
                self.stdout.write(f"admin user: {created.admin_username}")
                if created.generated_password:
                    self.stdout.write(f"admin password (shown once): {created.generated_password}")
                return
            hosts = validate_domains(domains, tenant=tenant)
        except TenantError as exc:
            raise CommandError(str(exc)) from exc
        known = set(tenant.domains.values_list("domain", flat=True))
        with transaction.atomic():
            for host in hosts:
                if host not in known:
                    Domain.objects.create(domain=host, tenant=tenant, is_primary=not known)
                    known.add(host)
                    self.stdout.write(f"domain {host} added to {schema}")
        self.stdout.write(f"tenant {schema} present ({', '.join(sorted(known))})")
