"""Migrating tenant schemas in parallel: isolated, resumable, with progress on stderr.

Each behind schema is migrated by Django's own migrate command (django-tenants' base
migrate command class, as its executors do) in a worker process of a ``fork`` pool. As in
django-tenants' multiprocessing executor, the parent closes its connection before forking
so every worker opens its own. A failing schema is rolled back by its migration's
transaction, recorded (``Tenant.migration_error``, state maintenance) and the run goes on;
what is left is simply what is still behind next time (``migration_state``).
"""

from __future__ import annotations

import io
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import get_tenant_base_migrate_command_class


@dataclass
class Outcome:
    schema: str
    error: str | None
    seconds: float


@dataclass
class RunSummary:
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: int = 0  # up to date: not touched
    seconds: float = 0.0


def migrate_one(schema: str, verbosity: int = 0) -> Outcome:
    """Apply the code's migrations to one schema (in this process); never raises."""
    started = time.perf_counter()
    out = io.StringIO()
    error = None
    try:
        # django_migrations must exist in the schema itself before migrate looks for it,
        # or the search path would find public's (what django-tenants' run_migrations does)
        connection.set_schema(schema, include_public=False)
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema)
        command = get_tenant_base_migrate_command_class()()
        call_command(command, interactive=False, verbosity=verbosity, stdout=out, stderr=out)
    except Exception as exc:  # isolation: any failure is this schema's, reported by the parent
        lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
        error = f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()
        connection.close()  # a broken transaction must not leak into the next schema
    finally:
        if connection.connection is not None:
            connection.set_schema_to_public()
    if verbosity >= 2:
        sys.stdout.write(out.getvalue())
    return Outcome(schema, error, time.perf_counter() - started)


def _worker_init() -> None:
    # a forked worker must never reuse the parent's socket: drop it without closing it
    for conn in connections.all(initialized_only=True):
        conn.connection = None


class Progress:
    """``migrating: 120/1000 (12%) 8.1/s ETA 1m48s, 1 failed`` on stderr, at most once a
    second (and always the last one)."""

    def __init__(self, total: int, stream: TextIO, label: str = "migrating") -> None:
        self.total, self.stream, self.label = total, stream, label
        self.done = self.failed = 0
        self.started = time.monotonic()
        self._last = 0.0

    def step(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        now = time.monotonic()
        if self.done == self.total or now - self._last >= 1.0:
            self._last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        pct = int(100 * self.done / self.total) if self.total else 100
        text = f"{self.label}: {self.done}/{self.total} ({pct}%) {rate:.1f}/s"
        text += f" ETA {_duration(left)}" if self.done < self.total else f" in {_duration(elapsed)}"
        return text + (f", {self.failed} failed" if self.failed else "")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def migrate_parallel(
    schemas: Iterable[str],
    processes: int,
    on_done: Callable[[Outcome], None],
    stream: TextIO = sys.stderr,
    verbosity: int = 0,
) -> list[Outcome]:
    """Migrate ``schemas`` with ``processes`` workers; ``on_done`` runs in this process for
    each schema as it finishes (in completion order)."""
    schemas = list(schemas)
    progress = Progress(len(schemas), stream)
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        on_done(outcome)
        progress.step(outcome.error is not None)

    if processes <= 1 or len(schemas) <= 1:
        for schema in schemas:
            record(migrate_one(schema, verbosity))
        return outcomes
    connections.close_all()  # each worker connects on its own (as django-tenants' executor)
    context = multiprocessing.get_context("fork")
    with context.Pool(min(processes, len(schemas)), initializer=_worker_init) as pool:
        args = [(s, verbosity) for s in schemas]
        for outcome in pool.imap_unordered(_migrate_star, args, chunksize=1):
            record(outcome)
    return outcomes


def _migrate_star(args: tuple[str, int]) -> Outcome:
    return migrate_one(*args)
