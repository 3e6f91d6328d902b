from django.contrib import admin

from site_apps.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["text", "is_active", "expires_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["text"]
