from __future__ import annotations

from rest_framework import serializers

from mortar_api.cms.editor import serializer_for
from mortar_api.cms.views_base import EditorReadOnlyViewSet, EditorViewSet

from .filters import WebhookDeliveryFilter, WebhookFilter
from .models import EVENTS, Webhook, WebhookDelivery


class WebhookViewSet(EditorViewSet):
    queryset = Webhook.objects.all()
    serializer_class = serializer_for(
        Webhook,
        ("created_at",),
        # a typed list instead of the model's JSONField: the document names the events
        events=serializers.ListField(
            child=serializers.ChoiceField(choices=EVENTS), min_length=1, required=False
        ),
    )
    filterset_class = WebhookFilter


class WebhookDeliveryViewSet(EditorReadOnlyViewSet):
    queryset = WebhookDelivery.objects.select_related("webhook")
    serializer_class = serializer_for(WebhookDelivery)
    filterset_class = WebhookDeliveryFilter
