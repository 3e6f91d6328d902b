"""Turn a content event into one logged delivery per subscribed webhook, sent after commit."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from .models import Webhook, WebhookDelivery


def emit(event: str, data: dict) -> list[int]:
    from mortar_api.cms.outbox import send_on_commit

    from .tasks import deliver_webhook

    payload = {
        "event": event,
        "tenant": getattr(connection, "schema_name", "public"),
        "sent_at": timezone.now().isoformat(),
        "data": data,
    }
    ids = []
    for hook in Webhook.objects.filter(is_active=True):
        if event in (hook.events or []):
            ids.append(
                WebhookDelivery.objects.create(webhook=hook, event=event, payload=payload).pk
            )
    for delivery_id in ids:  # a down broker: the outbox sends them later
        send_on_commit(deliver_webhook, delivery_id)
    return ids
