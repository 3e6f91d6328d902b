from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import WebhookDelivery
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

log = logging.getLogger(__name__)


def _setting(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    return float(value if value is not None else os.environ.get(name, default))


def backoff(retries: int) -> float:
    """Exponential: base, 2*base, 4*base... (base 10 s unless MORTAR_WEBHOOK_BACKOFF_SECONDS)."""
    return _setting("MORTAR_WEBHOOK_BACKOFF_SECONDS", 10) * (2**retries)


class DeliveryFailed(Exception):
    pass


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    if not url.startswith(("http://", "https://")):
        raise DeliveryFailed(f"refusing non-http URL {url!r}")
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


# ignore_result: sent from requests, so no result-store subscription (it may be down)
@shared_task(
    bind=True, acks_late=True, ignore_result=True, max_retries=None, soft_time_limit=60,
    time_limit=90,
)  # fmt: skip
def deliver_webhook(self, delivery_id: int) -> str:
    """POST the signed payload; on failure retry with exponential backoff, then give up."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return "skipped"  # idempotent: a redelivered message does not POST twice
    hook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "mortar-webhooks/1",
        SIGNATURE_HEADER: sign(hook.secret, ts, body),
        TIMESTAMP_HEADER: str(ts),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
    }
    delivery.attempts += 1
    try:
        code = post(hook.url, body, headers, _setting("MORTAR_WEBHOOK_TIMEOUT_SECONDS", 10))
        error = "" if 200 <= code < 300 else f"HTTP {code}"
    except (OSError, DeliveryFailed) as exc:  # URLError, timeouts, refused connections
        code, error = None, f"{type(exc).__name__}: {exc}"
    delivery.response_status = code
    delivery.last_error = error[:2000]
    max_attempts = int(_setting("MORTAR_WEBHOOK_MAX_ATTEMPTS", 6))
    if not error:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= max_attempts:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    if error and delivery.status == WebhookDelivery.Status.PENDING:
        log.warning("webhook delivery %s failed (%s); retrying", delivery.pk, error)
        raise self.retry(countdown=backoff(delivery.attempts - 1))
    return delivery.status
