"""Queue renditions after a new file is committed; remove files when an asset goes."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import MediaAsset


@receiver(post_save, sender=MediaAsset)
def queue_renditions(sender, instance: MediaAsset, created: bool, **kwargs) -> None:
    if kwargs.get("raw") or instance.renditions:
        return
    from mortar_api.cms.outbox import send_on_commit

    from .tasks import make_renditions

    send_on_commit(make_renditions, instance.pk)


@receiver(post_delete, sender=MediaAsset)
def delete_files(sender, instance: MediaAsset, **kwargs) -> None:
    names = [instance.file.name] + [r["name"] for r in instance.renditions or []]
    storage = instance.file.storage

    def _delete() -> None:
        for name in names:
            if name and storage.exists(name):
                storage.delete(name)

    transaction.on_commit(_delete)
