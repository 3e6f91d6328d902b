from __future__ import annotations

import logging

from celery import shared_task

from mortar_api.cms.caching import content_changed

from .models import RENDITION_WIDTHS, MediaAsset
from .objectstore import STORAGE_ERRORS
from .renditions import render_widths

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,  # sent from requests: no result-store round trip (it may be down)
    autoretry_for=(OSError, *STORAGE_ERRORS),  # a disk or bucket hiccup: try again
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=120,
    time_limit=180,
)
def make_renditions(self, asset_id: int) -> list[int]:
    """Runs in the uploading tenant's schema (tenant-schemas-celery carries it)."""
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:  # deleted meanwhile: nothing to do
        return []
    made = render_widths(asset.file.storage, asset.file.name, RENDITION_WIDTHS)
    MediaAsset.objects.filter(pk=asset_id).update(renditions=made)
    content_changed()  # .update() sends no signal; cached IMAGE shapes must list the renditions
    log.info("renditions made", extra={"asset": asset_id, "widths": [r["width"] for r in made]})
    return [r["width"] for r in made]
