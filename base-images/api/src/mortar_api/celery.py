"""The Celery app factory every site reuses.

``create_app()`` returns a tenant-aware app (tenant-schemas-celery): a task sent while the
connection is on a tenant's schema runs in that schema. Configuration comes from the
Django settings' ``CELERY_*`` names (broker and results in Redis under the site prefix,
acks_late, time limits, retry defaults, django-celery-beat's DatabaseScheduler).

Worker: ``celery -A mortar_api.celery worker``; beat: ``celery -A mortar_api.celery beat``.
A site: ``app = create_app("acme", settings_module="acme.settings")`` in ``acme/celery.py``.
"""

from __future__ import annotations

import os
from typing import Any

from mortar_contract.metrics import instrument_celery
from tenant_schemas_celery.app import CeleryApp


def create_app(name: str = "mortar_api", settings_module: str = "mortar_api.settings") -> CeleryApp:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    app = CeleryApp(name)
    app.config_from_object("django.conf:settings", namespace="CELERY")
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
