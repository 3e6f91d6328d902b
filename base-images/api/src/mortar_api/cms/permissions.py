"""Who may publish: the ``cms.publish_page`` permission (the Publishers group; superusers).

Editors (``accounts.groups``) write drafts only: they cannot publish, unpublish, schedule
(``publish_at`` / ``unpublish_at``), restore revisions, or change a page that is live
(their edit would go live unreviewed). The admin (``cms.review``) and the editor API
(``cms.editor``) both ask here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import exceptions, permissions

if TYPE_CHECKING:
    from .models import Page

PUBLISH_PAGE = "cms.publish_page"
# What only a Publisher sets: the publication state and the schedule.
PUBLICATION_FIELDS = ("status", "publish_at", "unpublish_at")
NOT_A_PUBLISHER = (
    "Only Publishers can publish, unpublish or schedule pages and restore revisions; "
    "submit the page for review instead."
)
LIVE_PAGE = "This page is published: only Publishers can change it."


def can_publish(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PUBLISH_PAGE))


def may_edit(user: Any, page: Page | None) -> bool:
    """Whether ``user`` (who has change_page) may change ``page`` as it is now."""
    return page is None or page.pk is None or not page.is_published or can_publish(user)


class CanPublish(permissions.BasePermission):
    """DRF: the publish, unpublish and restore actions of the editor API."""

    message = NOT_A_PUBLISHER

    def has_permission(self, request, view) -> bool:
        return can_publish(request.user)


def check_page_write(user: Any, page: Page | None, attrs: dict) -> None:
    """403 for an editor API write an Editor may not make (a field sent back unchanged is
    fine: clients send what they read)."""
    if can_publish(user):
        return
    if not may_edit(user, page):
        raise exceptions.PermissionDenied(LIVE_PAGE)
    for field in PUBLICATION_FIELDS:
        current = getattr(page, field) if page is not None else None
        if field in attrs and attrs[field] != current and not (page is None and not attrs[field]):
            raise exceptions.PermissionDenied(NOT_A_PUBLISHER)
