import importlib
import os

from django.apps import AppConfig


def load_celery_app() -> None:
    """Make the site's Celery app the current one in every process, not only in workers.

    ``.delay()`` from a web request (contact mail, renditions, webhooks) goes through
    ``celery.current_app``; without this, gunicorn would use Celery's unconfigured default
    app (AMQP on localhost) and the task would never reach the site's Redis broker.
    """
    module = importlib.import_module(os.environ.get("MORTAR_CELERY_APP", "mortar_api.celery"))
    module.app.set_current()


class CmsConfig(AppConfig):
    name = "mortar_api.cms"
    label = "cms"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mortar_api.tenancy.periodic import register

        from . import checks, page_redirects, signals  # noqa: F401  (receivers, checks)
        from .history import register_models

        register_models()  # django-auditlog: every change of the content leaves an entry

        load_celery_app()

        # Beat rows are written after migrate by mortar_api.tenancy.periodic; per_tenant
        # sends each run once per tenant, in its schema.
        register(
            "cms: publish scheduled pages",
            "mortar_api.cms.tasks.publish_scheduled_pages",
            every_seconds=60,
            per_tenant=True,
        )
        register(  # bounds how long a change made while Redis was down stays uninvalidated
            "cms: drain outbox",
            "mortar_api.cms.tasks.drain_outbox",
            every_seconds=60,
            per_tenant=True,
        )
        register(
            "cms: nightly cleanup",
            "mortar_api.cms.tasks.nightly_cleanup",
            crontab={"minute": "30", "hour": "3"},
            per_tenant=True,
        )
