from rest_framework import serializers

from site_apps.notices.models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "text", "expires_at"]
