"""``mortar-api migrate_tenants``: the public schema, then the template, then every tenant
schema that is behind the code, in parallel.

"Nothing new" is decided in a few SQL queries for all schemas (tenancy.migration_state);
only behind schemas are migrated (tenancy.migrate_runner), each isolated: a failure marks
that tenant maintenance with its error and the run goes on. Progress goes to stderr; the
summary to stdout; the exit code is 3 when a tenant schema failed (anything else failing,
e.g. the public schema: 1), so ``mortar site up`` can start the site anyway. A re-run
migrates only what is still behind (``--failed``: only the tenants a previous run left
failed or in maintenance).
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Q
from django_tenants.utils import get_public_schema_name

from mortar_api.tenancy import states
from mortar_api.tenancy.migrate_runner import Outcome, RunSummary, migrate_one, migrate_parallel
from mortar_api.tenancy.migration_state import code_migrations, pending_by_schema

TENANTS_FAILED = 3  # exit code: some tenant schemas failed, everything else is migrated
LOCK_ID = 0x6D6F7274  # pg advisory lock: one tenant migration run per database at a time


def default_processes() -> int:
    return int(os.environ.get("MORTAR_MIGRATE_PROCESSES") or os.cpu_count() or 1)


class Command(BaseCommand):
    help = "Migrate the public schema, the clone template and every tenant that is behind."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="parallel workers (default: MORTAR_MIGRATE_PROCESSES or the CPU count)",
        )
        parser.add_argument(
            "--only", nargs="+", metavar="SCHEMA", default=None, help="only these tenants"
        )
        parser.add_argument(
            "--failed",
            action="store_true",
            help="only tenants a previous run left failed or in maintenance",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        processes = opts["processes"] or default_processes()
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        verbosity = opts["verbosity"]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_ID])
        try:
            summary = self.run(processes, opts["only"], opts["failed"], verbosity)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
        summary.seconds = time.perf_counter() - started
        self.report(summary)
        if summary.failed:
            raise CommandError(
                f"{len(summary.failed)} tenant schema(s) failed to migrate",
                returncode=TENANTS_FAILED,
            )

    def run(
        self, processes: int, only: list[str] | None, failed_only: bool, verbosity: int
    ) -> RunSummary:
        from mortar_api.tenancy.models import Tenant
        from mortar_api.tenancy.periodic import sync_periodic_tasks
        from mortar_api.tenancy.provisioning import ensure_template

        code = code_migrations()
        public = get_public_schema_name()
        connection.set_schema_to_public()
        if pending_by_schema([public], code)[public] != []:
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        else:
            sync_periodic_tasks()  # what migrate's post_migrate would have done
        ensure_template(verbosity=0)

        tenants = Tenant.objects.exclude(schema_name=public)
        if only:
            known = set(tenants.filter(schema_name__in=only).values_list("schema_name", flat=True))
            unknown = sorted(set(only) - known)
            if unknown:
                raise CommandError(f"no tenant(s): {', '.join(unknown)}")
            tenants = tenants.filter(schema_name__in=only)
        if failed_only:
            tenants = tenants.filter(Q(state=Tenant.State.MAINTENANCE) | ~Q(migration_error=""))
        rows = list(tenants.values_list("schema_name", "is_template"))
        pending = pending_by_schema([s for s, _ in rows], code)
        behind = [s for s, _ in rows if pending[s] != []]
        template = [s for s, is_template in rows if is_template and s in behind]
        others = [s for s in behind if s not in template]
        summary = RunSummary(skipped=len(rows) - len(behind))
        # up to date but still flagged (a fixed or interrupted run): serve them again
        states.mark_migrated([s for s, _ in rows if pending[s] == []])
        if verbosity >= 1:
            self.stderr.write(
                f"{len(rows)} tenant schema(s): {len(behind)} behind, {summary.skipped} up to date"
            )
        if not behind:
            return summary
        states.mark_behind(others)

        def done(outcome: Outcome) -> None:
            if outcome.error is None:
                summary.migrated.append(outcome.schema)
                states.mark_migrated([outcome.schema])
            else:
                summary.failed[outcome.schema] = outcome.error
                states.mark_failed(outcome.schema, outcome.error)

        for schema in template:  # first: new tenants are cloned from it
            done(migrate_one(schema, verbosity))
        connection.set_schema_to_public()
        migrate_parallel(others, processes, done, stream=self.stderr, verbosity=verbosity)
        return summary

    def report(self, summary: RunSummary) -> None:
        line = (
            f"tenant migrations: {len(summary.migrated)} migrated, {len(summary.failed)} failed, "
            f"{summary.skipped} up to date, in {summary.seconds:.1f}s"
        )
        style = self.style.ERROR if summary.failed else self.style.SUCCESS
        self.stdout.write(style(line))
        for schema, error in sorted(summary.failed.items()):
            self.stdout.write(f"  failed {schema}: {error}")
        if summary.failed:
            self.stdout.write(
                "  these tenants answer 503 (maintenance) until migrated: fix the cause, then "
                "re-run (`mortar tenant migrate <dir> --failed`)"
            )
