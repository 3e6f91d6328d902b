from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from mortar_api.adminsite.languages import SiteTranslationAdmin
from mortar_api.media.chooser import MediaChooserAdminMixin

from . import review as review_flow
from .admin_tree import PageTreeAdminMixin
from .history import HistoryAdminMixin
from .languages import enabled_languages
from .models import (
    ContactSubmission,
    FooterLink,
    Hero,
    MenuItem,
    Page,
    PageRevision,
    Partner,
    Redirect,
    SiteSettings,
)
from .permissions import can_publish
from .preview import preview_url
from .preview_button import PREVIEW_MEDIA, preview_links
from .review import AwaitingReviewFilter, PageReviewAdminMixin
from .revisions import restore_revision
from .richtext import RichTextAdminMixin, page_link_search
from .search import MAX_QUERY_LENGTH, ranked_any
from .widgets_blocks import BlocksWidget


@admin.register(SiteSettings)
class SiteSettingsAdmin(HistoryAdminMixin, MediaChooserAdminMixin, SiteTranslationAdmin):
    list_display = ["__str__", "contact_email", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Page)
class PageAdmin(
    PageReviewAdminMixin,  # cms/review.py
    HistoryAdminMixin,  # cms/history.py
    PageTreeAdminMixin,  # cms/admin_tree.py
    RichTextAdminMixin,  # cms/richtext.py
    MediaChooserAdminMixin,
    SiteTranslationAdmin,
):
    list_display = [
        "title",
        "path",
        "status",
        "is_home",
        "publish_at",
        "unpublish_at",
        "updated_at",
        "links",
    ]
    list_filter = ["status", AwaitingReviewFilter, "is_home", "parent"]
    search_fields = ["path"]  # the search box; get_search_results uses the full-text index
    search_help_text = "Finds pages by any word of their title, text or blocks, or by path."
    ordering = ["path"]
    list_select_related = ["parent"]
    readonly_fields = ["path", "published_at", "created_at", "updated_at", "preview"]
    readonly_fields += ["review", "approved_by"]  # cms.review
    autocomplete_fields = ["parent"]
    actions = ["publish", "unpublish", "submit_for_review"]
    formfield_overrides = {models.JSONField: {"widget": BlocksWidget}}  # Page's only: blocks
    fieldsets = [
        (None, {"fields": ["title", "slug", "parent", "path", "body", "hero", "order", "is_home"]}),
        ("Content blocks", {"fields": ["blocks"]}),
        (
            "Publishing",
            {
                "fields": [
                    "status",
                    "publish_at",
                    "unpublish_at",
                    "published_at",
                    "preview",
                    "review",
                    "approved_by",
                ]
            },
        ),
        ("SEO", {"fields": ["seo_title", "seo_description", "seo_image"]}),
        ("Timestamps", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """Every enabled language's index (cms.search); best match first unless the editor
        sorted by a column (the list is then flat, not a tree: cms.admin_tree)."""
        if not search_term.strip():
            return queryset, False
        found = ranked_any(queryset, search_term[:MAX_QUERY_LENGTH], enabled_languages())
        if ORDER_VAR not in request.GET:
            found = found.order_by("-search_rank", "path")  # path is unique: a total order
        return found, False

    @admin.display(description="")
    def links(self, obj: Page) -> str:
        history = reverse("admin:cms_page_revisions", args=[obj.pk])
        url = preview_url(obj.pk) if not obj.is_published else None
        preview = (
            format_html(' · <a href="{}" target="_blank" rel="noopener">Preview</a>', url)
            if url
            else ""
        )
        return format_html('<a href="{}">Revisions</a>{}', history, preview)

    @admin.display(description="Preview")
    def preview(self, obj: Page) -> str:
        return preview_links(obj.pk)

    @property
    def media(self):
        return super().media + PREVIEW_MEDIA

    def save_model(self, request: HttpRequest, obj: Page, form, change: bool) -> None:
        note = self.prepare_save(request, obj, form)  # review, approval (cms.review)
        obj.save(revision_note=note or "edited in admin", revision_user=request.user)

    @admin.action(description="Publish selected pages", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset) -> None:
        for page in queryset.exclude(status=Page.Status.PUBLISHED):
            review_flow.publish(page, request.user, "published in admin")

    @admin.action(description="Unpublish selected pages", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset) -> None:
        for page in queryset.filter(status=Page.Status.PUBLISHED):
            review_flow.unpublish(page, request.user, "unpublished in admin")

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:page_id>/revisions/", view(self.revisions_view), name="cms_page_revisions"),
            path("link-search/", view(page_link_search), name="cms_page_link_search"),
            path(
                "<int:page_id>/revisions/<int:revision_id>/restore/",
                view(self.restore_view),
                name="cms_page_revision_restore",
            ),
            *super().get_urls(),
        ]

    def revisions_view(self, request: HttpRequest, page_id: int) -> HttpResponse:
        page = get_object_or_404(Page, pk=page_id)
        if not self.has_view_or_change_permission(request, page):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Revisions of “{page}”",
            "page": page,
            "revisions": page.revisions.select_related("created_by")[:50],
            "can_restore": self.has_change_permission(request, page) and can_publish(request.user),
        }
        return TemplateResponse(request, "admin/cms/page/revisions.html", context)

    def restore_view(self, request: HttpRequest, page_id: int, revision_id: int) -> HttpResponse:
        page = get_object_or_404(Page, pk=page_id)
        if request.method != "POST" or not self.has_change_permission(request, page):
            raise PermissionDenied
        if not can_publish(request.user):  # restoring is a Publisher's call (cms.permissions)
            raise PermissionDenied
        revision = get_object_or_404(PageRevision, pk=revision_id, page=page)
        restore_revision(revision, user=request.user)
        self.message_user(request, f"Restored revision #{revision.pk}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cms_page_change", args=[page.pk]))


@admin.register(Hero)
class HeroAdmin(HistoryAdminMixin, MediaChooserAdminMixin, SiteTranslationAdmin):
    list_display = ["name", "title", "button_label", "updated_at"]
    search_fields = ["name", "title", "description"]
    ordering = ["name"]


@admin.register(MenuItem)
class MenuItemAdmin(HistoryAdminMixin, SiteTranslationAdmin):
    list_display = ["label", "location", "parent", "page", "url", "order"]
    list_filter = ["location"]
    list_editable = ["order"]
    search_fields = ["label", "url"]
    ordering = ["location", "order"]


@admin.register(Partner)
class PartnerAdmin(HistoryAdminMixin, MediaChooserAdminMixin, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "url", "order"]
    list_editable = ["order"]
    search_fields = ["name", "url"]
    ordering = ["order", "name"]


@admin.register(FooterLink)
class FooterLinkAdmin(HistoryAdminMixin, SiteTranslationAdmin):
    list_display = ["key", "label", "route", "is_external", "order"]
    list_filter = ["is_external"]
    list_editable = ["order"]
    search_fields = ["key", "label", "route"]
    ordering = ["order", "key"]


@admin.register(Redirect)
class RedirectAdmin(HistoryAdminMixin, admin.ModelAdmin):
    list_display = ["old_path", "new_path", "status_code", "created_at"]
    list_filter = ["status_code"]
    search_fields = ["old_path", "new_path"]
    ordering = ["old_path"]


@admin.register(ContactSubmission)
class ContactSubmissionAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "subject", "language", "created_at", "emailed_at"]
    list_filter = ["language", "emailed_at"]
    search_fields = ["name", "email", "subject", "message"]
    ordering = ["-created_at"]
    readonly_fields = [f.name for f in ContactSubmission._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
