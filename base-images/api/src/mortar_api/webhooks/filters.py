"""django-filter FilterSets of the webhook editor lists (strict filters from ``cms.filters``)."""

from __future__ import annotations

import django_filters

from mortar_api.cms.filters import BoolFilter, IdFilter, SearchFilter, StrictFilterSet

from .models import EVENTS, Webhook, WebhookDelivery


class WebhookFilter(StrictFilterSet):
    q = SearchFilter("name", "url")
    is_active = BoolFilter()
    ordering = django_filters.OrderingFilter(fields=("name", "created_at"))

    class Meta:
        model = Webhook
        fields: list[str] = []


class WebhookDeliveryFilter(StrictFilterSet):
    webhook = IdFilter()
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = django_filters.ChoiceFilter(choices=[(e, e) for e in EVENTS])
    ordering = django_filters.OrderingFilter(fields=("created_at", "attempts"))

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []
