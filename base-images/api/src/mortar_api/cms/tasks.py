"""Celery tasks of the content app. Each runs in one tenant's schema (tenant-schemas-celery):
beat's rows go through ``mortar_api.tenancy.tasks.run_for_each_tenant``."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from .models import ContactSubmission, Page, SiteSettings

log = logging.getLogger(__name__)


# A mail server down (OSError) or the database restarting (a lost connection) is retried
# with backoff; the stored message's emailed_at keeps it at one mail. ignore_result: sent
# from a request, which must not wait on the result store's subscription (Redis may be down:
# Celery's Redis backend retries that for 20 s).
@shared_task(
    bind=True, acks_late=True, ignore_result=True,
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=5, retry_backoff_max=3600, max_retries=12, soft_time_limit=60, time_limit=90,
)  # fmt: skip
def send_contact_email(self, submission_id: int) -> bool:
    """Mail a stored contact message to the site's contact address (once)."""
    with transaction.atomic():
        sub = ContactSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if sub is None or sub.emailed_at is not None:
            return False  # idempotent: already sent (or deleted)
        site = SiteSettings.objects.filter(pk=1).first()
        to = (site.contact_email if site else "") or getattr(settings, "MORTAR_CONTACT_EMAIL", "")
        if not to:
            log.warning("contact submission %s not emailed: no contact_email set", sub.pk)
            return False
        site_name = (site.site_name if site else "") or connection.schema_name
        subject = f"[{site_name}] {sub.subject or 'Contact form'}"
        body = f"From: {sub.name} <{sub.email}>\nLanguage: {sub.language}\n\n{sub.message}\n"
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        sub.emailed_at = timezone.now()
        sub.save(update_fields=["emailed_at"])
    return True


def run_schedule(now=None) -> dict[str, list[int]]:
    """Publish due drafts and unpublish expired pages of the current schema."""
    now = now or timezone.now()
    done: dict[str, list[int]] = {"published": [], "unpublished": []}
    due = Page.objects.filter(status=Page.Status.DRAFT, publish_at__lte=now).exclude(
        unpublish_at__lte=now
    )
    for page in due.select_for_update(skip_locked=True):
        page.status, page.publish_at = Page.Status.PUBLISHED, None
        page.save(revision_note="published on schedule")  # signals: invalidation + webhooks
        done["published"].append(page.pk)
    expired = Page.objects.filter(status=Page.Status.PUBLISHED, unpublish_at__lte=now)
    for page in expired.select_for_update(skip_locked=True):
        page.status, page.unpublish_at = Page.Status.DRAFT, None
        page.save(revision_note="unpublished on schedule")
        done["unpublished"].append(page.pk)
    # A page whose whole window passed between two runs is never shown: clear its schedule.
    Page.objects.filter(
        status=Page.Status.DRAFT, publish_at__lte=now, unpublish_at__lte=now
    ).update(publish_at=None, unpublish_at=None)
    return done


@shared_task(acks_late=True, soft_time_limit=50, time_limit=58)
def publish_scheduled_pages() -> dict[str, list[int]]:
    with transaction.atomic():
        done = run_schedule()
    if done["published"] or done["unpublished"]:
        log.info("scheduled publishing", extra={"schema": connection.schema_name, **done})
    return done


@shared_task(acks_late=True, soft_time_limit=50, time_limit=58)
def drain_outbox() -> int:
    """Apply what content changes owed Redis while it was down (``cms.outbox``)."""
    from .outbox import drain

    return drain()


ORPHAN_GRACE = timedelta(days=1)  # an upload in flight is not an orphan


def _walk(storage, top: str) -> list[str]:
    try:
        dirs, files = storage.listdir(top)
    except FileNotFoundError:
        return []
    out = [f"{top}/{f}" for f in files]
    for d in dirs:
        out += _walk(storage, f"{top}/{d}")
    return out


def orphaned_media(now=None) -> list[str]:
    from mortar_api.media.models import MediaAsset

    now = now or timezone.now()
    known: set[str] = set()
    for name, renditions in MediaAsset.objects.values_list("file", "renditions"):
        known.add(name)
        known.update(r.get("name", "") for r in renditions or [])
    top = connection.schema_name
    out = []
    for name in _walk(default_storage, top):
        if name in known:
            continue
        try:
            modified = default_storage.get_modified_time(name)
        except (NotImplementedError, OSError):
            continue
        if now - modified > ORPHAN_GRACE:
            out.append(name)
    return out


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def nightly_cleanup() -> dict[str, int]:
    """Expired sessions and media files no asset refers to, in the current tenant."""
    sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    removed = 0
    for name in orphaned_media():
        default_storage.delete(name)
        removed += 1
    log.info(
        "nightly cleanup",
        extra={"schema": connection.schema_name, "sessions": sessions, "files": removed},
    )
    return {"sessions": sessions, "files": removed}


__all__ = ["nightly_cleanup", "publish_scheduled_pages", "run_schedule", "send_contact_email"]
