from __future__ import annotations

from rest_framework import viewsets

from mortar_api.cms.editor import serializer_for
from mortar_api.cms.views_base import EditorPermission, EditorViewSet, MortarAPIMixin

from .models import Webhook, WebhookDelivery


class WebhookViewSet(EditorViewSet):
    queryset = Webhook.objects.all()
    serializer_class = serializer_for(Webhook, ("created_at",))


class WebhookDeliveryViewSet(MortarAPIMixin, viewsets.ReadOnlyModelViewSet):
    authentication_classes = EditorViewSet.authentication_classes
    permission_classes = [EditorPermission]
    queryset = WebhookDelivery.objects.select_related("webhook")
    serializer_class = serializer_for(WebhookDelivery)
