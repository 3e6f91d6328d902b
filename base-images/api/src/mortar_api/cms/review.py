"""Review before publish: Editors submit drafts, Publishers publish them (docs/editors.md).

A submitted page carries ``review_requested_at``/``_by`` and is listed under "Awaiting
review" on the admin index (``templatetags/mortar_review``) until a Publisher publishes
(or schedules) it, which records them in ``approved_by`` and clears the request. Rights
come from ``cms.permissions``; this module holds the state changes and the admin's part.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from .models import Page
from .permissions import PUBLICATION_FIELDS, can_publish, may_edit

SUBMIT_BUTTON = "_submit_for_review"


class AlreadyPublished(ValueError):
    """Submitting a page that is live: there is nothing to review."""


def awaiting_review():
    return (
        Page.objects.filter(status=Page.Status.DRAFT, review_requested_at__isnull=False)
        .select_related("review_requested_by")
        .order_by("review_requested_at", "pk")
    )


def mark_submitted(page: Page, user: Any) -> None:
    if page.is_published:
        raise AlreadyPublished("This page is already published.")
    page.review_requested_at, page.review_requested_by = timezone.now(), user


def submit_for_review(page: Page, user: Any) -> Page:
    mark_submitted(page, user)
    page.save(revision_note="submitted for review", revision_user=user)
    return page


def mark_approved(page: Page, user: Any) -> None:
    """A Publisher published or scheduled the page: who approved it; the request is done."""
    page.approved_by = user if getattr(user, "is_authenticated", False) else None
    page.review_requested_at = page.review_requested_by = None


def publish(page: Page, user: Any, note: str) -> Page:
    page.status, page.publish_at = Page.Status.PUBLISHED, None
    mark_approved(page, user)
    page.save(revision_note=note, revision_user=user)
    return page


def unpublish(page: Page, user: Any, note: str) -> Page:
    page.status, page.unpublish_at, page.approved_by = Page.Status.DRAFT, None, None
    page.save(revision_note=note, revision_user=user)
    return page


def note_publication_change(page: Page, user: Any, changed: set[str]) -> None:
    """Before a Publisher's save that set the state or the schedule (admin form, API)."""
    if "status" in changed and not page.is_published:
        page.approved_by = None
    elif "status" in changed or ("publish_at" in changed and page.publish_at):
        mark_approved(page, user)


class AwaitingReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("awaiting", "Awaiting review")]

    def queryset(self, request: HttpRequest, queryset):
        if self.value() == "awaiting":
            return queryset.filter(status=Page.Status.DRAFT, review_requested_at__isnull=False)
        return queryset


class PageReviewAdminMixin:
    """The Page admin's rights and review: put it before the ModelAdmin class.

    Editors get the publication fields read-only (a posted value is ignored), no
    publish/unpublish actions, a read-only view of live pages, and a "Save and submit for
    review" button; a Publisher's publish records ``approved_by``.
    """

    def has_publish_permission(self, request: HttpRequest) -> bool:  # admin actions
        return can_publish(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Page | None = None) -> bool:
        return super().has_change_permission(request, obj) and may_edit(request.user, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Page | None = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields += [f for f in PUBLICATION_FIELDS if f not in fields]
        return fields

    @admin.display(description="Review")
    def review(self, obj: Page) -> str:
        if obj.is_published:
            if obj.approved_by is None:  # seeded, imported, or published before review existed
                return "Published."
            return format_html("Published; approved by {}.", obj.approved_by)
        state = (
            format_html(
                "Awaiting review since {} (submitted by {}). ",
                timezone.localtime(obj.review_requested_at).strftime("%Y-%m-%d %H:%M"),
                obj.review_requested_by or "—",
            )
            if obj.review_requested_at
            else "Not submitted for review. "
        )
        button = format_html(
            '<button type="submit" name="{}" value="1" class="button">{}</button>',
            SUBMIT_BUTTON,
            "Save and submit for review",
        )
        return format_html("{}{}", state, button)

    def prepare_save(self, request: HttpRequest, obj: Page, form: Any) -> str:
        """Apply review and approval to ``obj`` before the admin saves it; its revision note."""
        if can_publish(request.user):
            note_publication_change(obj, request.user, set(form.changed_data))
        if SUBMIT_BUTTON in request.POST and not obj.is_published:
            mark_submitted(obj, request.user)
            self.message_user(request, f"“{obj}” was submitted for review.", messages.SUCCESS)
            return "submitted for review"
        return ""

    @admin.action(description="Submit selected pages for review", permissions=["change"])
    def submit_for_review(self, request: HttpRequest, queryset) -> None:
        done = 0
        for page in queryset.filter(status=Page.Status.DRAFT):
            submit_for_review(page, request.user)
            done += 1
        self.message_user(request, f"{done} draft page(s) submitted for review.")
