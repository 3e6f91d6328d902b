"""Webhook signatures: ``X-Mortar-Signature: sha256=<hex HMAC of "<timestamp>.<body>">``.

The timestamp is signed in too, so a receiver can refuse replays older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Mortar-Signature"
TIMESTAMP_HEADER = "X-Mortar-Timestamp"
EVENT_HEADER = "X-Mortar-Event"
DELIVERY_HEADER = "X-Mortar-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
    """What a receiver does (also documented in docs/content-model.md)."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
