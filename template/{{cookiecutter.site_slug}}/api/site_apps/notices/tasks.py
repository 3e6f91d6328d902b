"""Celery tasks of the example app. Tenant context comes from mortar-api's Celery app
(tenant-schemas-celery): call ``.delay()`` inside a request or a tenant's ``schema_context``."""

from celery import shared_task
from django.utils import timezone

from site_apps.notices.models import Notice


@shared_task
def deactivate_expired_notices() -> int:
    """Switch off the current tenant's expired notices; returns how many."""
    return Notice.objects.filter(is_active=True, expires_at__lte=timezone.now()).update(
        is_active=False
    )
