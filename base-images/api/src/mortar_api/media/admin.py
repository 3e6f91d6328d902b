from django.contrib import admin
from django.utils.html import format_html

from mortar_api.adminsite.languages import SiteTranslationAdmin
from mortar_api.cms.history import HistoryAdminMixin

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
