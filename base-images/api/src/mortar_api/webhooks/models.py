from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models

EVENTS = ("page.published", "page.unpublished")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def default_events() -> list[str]:
    return list(EVENTS)


class Webhook(models.Model):
    """An endpoint told (signed POST) when pages are published or unpublished."""

    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500, help_text="http(s) endpoint that receives the POST.")
    events = models.JSONField(default=default_events, help_text=f"Any of: {', '.join(EVENTS)}.")
    secret = models.CharField(max_length=100, default=new_secret, help_text="HMAC-SHA256 key.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or self.url

    def clean(self) -> None:
        if (
            not isinstance(self.events, list)
            or not self.events
            or not set(self.events) <= set(EVENTS)
        ):
            raise ValidationError({"events": f"Choose one or more of: {', '.join(EVENTS)}."})
        if not self.url.startswith(("http://", "https://")):
            raise ValidationError({"url": "Only http and https URLs are allowed."})


class WebhookDelivery(models.Model):
    """The log of one event sent to one webhook, across its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.status})"
