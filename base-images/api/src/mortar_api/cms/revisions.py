"""Page revision history: a JSON snapshot of the editable fields on each save."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from .models import Page, PageRevision

# Not part of a snapshot: identity, bookkeeping, and fields save() derives.
_SKIP = {"id", "path", "created_at", "updated_at", "published_at"}
KEEP_REVISIONS = 50
# Restoring leaves these as they are now.
_KEEP_ON_RESTORE = {
    *("status", "publish_at", "unpublish_at", "is_home"),
    *("review_requested_at", "review_requested_by_id", "approved_by_id"),
}


def snapshot(page: Page) -> dict:
    data = {}
    for f in page._meta.concrete_fields:
        if f.attname in _SKIP or f.generated:  # the search index is derived (search_index)
            continue
        value = getattr(page, f.attname)
        data[f.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def record_revision(page: Page, note: str = "", user=None) -> PageRevision | None:
    """Store a revision unless nothing changed since the last one; prune old ones."""
    from .models import PageRevision

    data = snapshot(page)
    last = page.revisions.order_by("-created_at", "-id").first()
    if last is not None and last.data == data:
        return None
    rev = PageRevision.objects.create(page=page, data=data, note=note[:200], created_by=user)
    keep = int(getattr(settings, "MORTAR_PAGE_REVISIONS_KEPT", KEEP_REVISIONS))
    stale = page.revisions.order_by("-created_at", "-id").values_list("pk", flat=True)[keep:]
    if stale:
        PageRevision.objects.filter(pk__in=list(stale)).delete()
    return rev


def restore_revision(revision: PageRevision, user=None) -> Page:
    """Put the snapshot's fields back on the page and save (which records a new revision).

    The publication state is left as it is now: restoring old text never (un)publishes,
    nor brings back an old review request or approval (cms.review).
    """
    page = revision.page
    fields = {f.attname: f for f in page._meta.concrete_fields}
    for attname, value in revision.data.items():
        field = fields.get(attname)
        if field is None or attname in _KEEP_ON_RESTORE:
            continue  # a column that no longer exists, or publication or review state
        setattr(page, attname, field.to_python(value) if value is not None else None)
    page.save(revision_note=f"restored revision #{revision.pk}", revision_user=user)
    return page
