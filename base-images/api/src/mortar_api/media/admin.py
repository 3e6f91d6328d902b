from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from mortar_api.adminsite.languages import SiteTranslationAdmin
from mortar_api.cms.history import HistoryAdminMixin

from . import chooser
from .models import MediaAsset


@admin.register(MediaAsset)
class MediaAssetAdmin(HistoryAdminMixin, SiteTranslationAdmin):
    list_display = ["thumb", "__str__", "mime_type", "width", "height", "size", "created_at"]
    list_filter = ["mime_type"]
    search_fields = ["title", "alt", "file"]
    ordering = ["-created_at"]
    readonly_fields = ["mime_type", "width", "height", "size", "renditions", "created_at"]

    @admin.display(description="")
    def thumb(self, obj: MediaAsset) -> str:
        if not obj.file:
            return ""
        small = next((r["name"] for r in obj.renditions or [] if r["width"] == 320), obj.file.name)
        return format_html(
            '<img src="{}" alt="" style="max-height:48px">', obj.file.storage.url(small)
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("chooser/", view(require_GET(self.chooser_list)), name="media_mediaasset_chooser"),
            path(
                "chooser/upload/",
                view(require_POST(self.chooser_upload)),
                name="media_mediaasset_chooser_upload",
            ),
            *super().get_urls(),
        ]

    def chooser_list(self, request: HttpRequest) -> JsonResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return chooser.list_assets(request)

    def chooser_upload(self, request: HttpRequest) -> JsonResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return chooser.upload_asset(request)
