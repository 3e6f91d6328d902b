"""The Celery app factory every site reuses.

``create_app()`` returns a tenant-aware app (tenant-schemas-celery): a task sent while the
connection is on a tenant's schema runs in that schema. Configuration comes from the
Django settings' ``CELERY_*`` names (broker and results in Redis under the site prefix,
acks_late, time limits, retry defaults, django-celery-beat's DatabaseScheduler).

Worker: ``celery -A mortar_api.celery worker``; beat: ``celery -A mortar_api.celery beat``,
or inside the worker: ``celery -A mortar_api.celery worker --embedded-beat`` (see EmbeddedBeat).
A site: ``app = create_app("acme", settings_module="acme.settings")`` in ``acme/celery.py``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import click
from celery import bootsteps
from celery.beat import Service
from mortar_contract.metrics import instrument_celery
from tenant_schemas_celery.app import CeleryApp

SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


class _BeatThread(threading.Thread):
    """Celery's beat service in a thread of the worker's main process."""

    def __init__(self, app: CeleryApp) -> None:
        super().__init__(name="Beat", daemon=True)
        self.app = app
        # max_interval None: DatabaseScheduler's own 5 s tick, as a separate beat has
        self.service = Service(app, scheduler_cls=SCHEDULER)

    def run(self) -> None:
        self.app.set_current()
        self.service.start()

    def stop(self) -> None:
        self.service.stop(wait=True)


class EmbeddedBeat(bootsteps.StartStopStep):
    """``worker --embedded-beat``: the site's beat runs as a thread of this worker.

    It saves a whole process (Django loaded again, ~90 MiB) on a site with one worker.
    Celery's own ``-B`` forks beat as a child process instead, which outlives a worker
    killed with SIGKILL: the restarted worker would then start a second scheduler. A
    thread dies with its worker, so there is never more than one. The caller keeps the
    worker single (one per site) - ``mortar_api.run`` refuses a separate beat alongside.
    """

    label = "Beat (embedded)"
    conditional = True

    def __init__(self, worker: Any, embedded_beat: bool = False, **kwargs: Any) -> None:
        self.enabled = bool(embedded_beat)
        super().__init__(worker, **kwargs)

    def create(self, worker: Any) -> _BeatThread:
        return _BeatThread(worker.app)


def create_app(name: str = "mortar_api", settings_module: str = "mortar_api.settings") -> CeleryApp:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    app = CeleryApp(name)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.user_options["worker"].add(
        click.Option(
            ["--embedded-beat"],
            is_flag=True,
            default=False,
            help="Run the site's beat (DatabaseScheduler) in this worker: one worker only.",
        )
    )
    app.steps["worker"].add(EmbeddedBeat)
    app.autodiscover_tasks()
    instrument_celery()  # task counts/latency/failures when the worker has a metrics port
    return app


_app: CeleryApp | None = None


def __getattr__(attr: str) -> Any:
    # ``app`` is made on first use, so importing create_app never picks settings by accident.
    global _app
    if attr == "app":
        if _app is None:
            _app = create_app()
        return _app
    raise AttributeError(attr)
