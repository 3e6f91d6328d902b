from rest_framework import generics
from rest_framework.permissions import AllowAny

from site_apps.notices.models import Notice
from site_apps.notices.serializers import NoticeSerializer


class CurrentNotices(generics.ListAPIView):
    """``GET /api/v1/notices/``: the tenant's current notices (public, read-only)."""

    serializer_class = NoticeSerializer
    permission_classes = [AllowAny]
    pagination_class = None

    def get_queryset(self):
        return Notice.objects.current()
