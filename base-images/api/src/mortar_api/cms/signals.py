"""Invalidate the public cache on any content change; emit webhook events on (un)publish."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from mortar_api.media.models import MediaAsset

from .caching import content_changed
from .models import FooterLink, Hero, MenuItem, Page, Partner, Redirect, SiteSettings

CONTENT_MODELS = (SiteSettings, Page, MenuItem, Hero, Partner, FooterLink, Redirect, MediaAsset)


def _changed(sender, **kwargs) -> None:
    if not kwargs.get("raw"):
        content_changed()


for _model in CONTENT_MODELS:
    post_save.connect(
        _changed, sender=_model, dispatch_uid=f"cms_invalidate_save_{_model.__name__}"
    )
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"cms_invalidate_delete_{_model.__name__}"
    )


def _page_payload(page: Page) -> dict:
    """The ``data`` of a page.* webhook event (docs/contracts.md)."""
    return {"id": page.pk, "path": page.path, "title": page.title or "", "is_home": page.is_home}


@receiver(pre_save, sender=Page, dispatch_uid="cms_page_remember_status")
def _remember_status(sender, instance: Page, **kwargs) -> None:
    instance._old_status = (
        Page.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        if instance.pk
        else None
    )


@receiver(post_save, sender=Page, dispatch_uid="cms_page_webhooks")
def _page_events(sender, instance: Page, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    old = getattr(instance, "_old_status", None)
    if old == instance.status or (old is None and not instance.is_published):
        return
    from mortar_api.webhooks.dispatch import emit

    event = "page.published" if instance.is_published else "page.unpublished"
    emit(event, _page_payload(instance))


@receiver(post_delete, sender=Page, dispatch_uid="cms_page_deleted_webhook")
def _page_deleted(sender, instance: Page, **kwargs) -> None:
    if instance.is_published:  # a published page that vanishes is, to a subscriber, unpublished
        from mortar_api.webhooks.dispatch import emit

        emit("page.unpublished", _page_payload(instance))
