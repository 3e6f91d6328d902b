"""Migrating tenant schemas in parallel: isolated, resumable, with progress on stderr.

Each behind schema is migrated in a worker process of a ``fork`` pool with the steps of
Django's ``migrate`` command (consistency check, pre_migrate, the executor, post_migrate),
minus what is the same for every schema: the project state before the plan is built and
rendered once per process for each distinct set of applied migrations (all tenants share
one) and cloned per schema, and post_migrate gets the real app registry instead of a
re-rendered copy of it (we always migrate to the leaf nodes, where the two are equal).
That is ~0.4 s of Python per schema saved, and what makes 1,000 tenants minutes, not tens
of minutes. As in django-tenants' multiprocessing executor, the parent closes its
connection before forking so every worker opens its own. A failing schema is rolled back
by its migration's transaction, recorded (``Tenant.migration_error``, state maintenance)
and the run goes on; what is left is simply what is still behind next time
(``migration_state``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import TextIO

from django.apps import apps as global_apps
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import connection, connections
from django.db.migrations import executor as executor_module
from django.db.migrations import loader as loader_module
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState
from django.utils.module_loading import module_has_submodule
from django_tenants.utils import quote_schema_name


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


# applied set -> the project state at it, rendered; per process (forked workers inherit
# the parent's, where the template schema, migrated first, usually put the one they need)
_STATES: dict[frozenset[tuple[str, str]], ProjectState] = {}
_MAX_STATES = 4  # distinct applied sets in one run are rare; bound the memory anyway


def _state_at(executor: MigrationExecutor, applied: frozenset[tuple[str, str]]) -> ProjectState:
    state = _STATES.get(applied)
    if state is None:
        # what migrate itself starts from (a private API, as in Django's own command)
        state = executor._create_project_state(with_applied_migrations=True)
        state.apps  # noqa: B018 - render once here, not once per schema
        if len(_STATES) >= _MAX_STATES:
            _STATES.clear()
        _STATES[applied] = state
    return state.clone()


@functools.cache
def _register_receivers() -> None:
    """Import every app's ``management`` module, as migrate does: signal receivers."""
    for app_config in global_apps.get_app_configs():
        if module_has_submodule(app_config.module, "management"):
            import_module(".management", app_config.name)


class _SchemaRecorder(MigrationRecorder):
    """``has_table`` by one index lookup in the connection's schema. Django's lists every
    table visible on the search path (django-tenants: the schema alone), which is a scan of
    all of pg_class, every tenant's tables included: ~65 ms at 1,000 tenants, and the
    loader, the consistency check and the executor each ask once per schema."""

    def has_table(self) -> bool:
        if self._has_table:
            return True
        name = f"{quote_schema_name(self.connection.schema_name)}.{self.Migration._meta.db_table}"
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            self._has_table = cursor.fetchone()[0]
        return self._has_table


@contextlib.contextmanager
def _schema_recorders() -> Iterator[None]:
    """Make Django's loader and executor, which build their recorders by name, build ours."""
    saved = loader_module.MigrationRecorder, executor_module.MigrationRecorder
    loader_module.MigrationRecorder = executor_module.MigrationRecorder = _SchemaRecorder
    try:
        yield
    finally:
        loader_module.MigrationRecorder, executor_module.MigrationRecorder = saved


def _apply(schema: str, verbosity: int, out: TextIO) -> None:
    with _schema_recorders():
        _apply_in(schema, verbosity, out)


def _apply_in(schema: str, verbosity: int, out: TextIO) -> None:
    _register_receivers()
    # django_migrations must exist in the schema itself before migrate looks for it,
    # or the search path would find public's (what django-tenants' run_migrations does)
    connection.set_schema(schema, include_public=False)
    _SchemaRecorder(connection).ensure_schema()
    connection.set_schema(schema)
    # a new loader per schema: cheap (modules are imported once) and its Migration
    # objects are fresh, so pre_migrate receivers that edit a plan's operations (content
    # types' rename injection) never see one edited for another schema
    executor = MigrationExecutor(connection, _progress_callback(verbosity, out))
    executor.loader.check_consistent_history(connection)
    conflicts = executor.loader.detect_conflicts()
    if conflicts:
        names = "; ".join(f"{', '.join(n)} in {app}" for app, n in conflicts.items())
        raise RuntimeError(f"conflicting migrations (multiple leaf nodes): {names}")
    targets = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    if not plan:
        return
    state = _state_at(executor, frozenset(executor.loader.applied_migrations))
    emit_pre_migrate_signal(
        verbosity, False, connection.alias, stdout=out, apps=state.apps, plan=plan
    )
    executor.migrate(targets, plan=plan, state=state.clone())
    emit_post_migrate_signal(
        verbosity, False, connection.alias, stdout=out, apps=global_apps, plan=plan
    )


def _progress_callback(verbosity: int, out: TextIO) -> Callable[..., None]:
    def callback(action: str, migration: object = None, fake: bool = False) -> None:
        if verbosity >= 1 and action == "apply_start":
            out.write(f"  Applying {migration}...\n")

    return callback


def migrate_one(schema: str, verbosity: int = 0) -> Outcome:
    """Apply the code's migrations to one schema (in this process); never raises."""
    started = time.perf_counter()
    out = io.StringIO()
    error = None
    try:
        _apply(schema, verbosity, out)
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
