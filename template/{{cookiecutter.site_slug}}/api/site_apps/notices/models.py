from django.db import models
from django.utils import timezone


class NoticeQuerySet(models.QuerySet):
    def current(self) -> "NoticeQuerySet":
        """Active notices that have not expired yet."""
        now = timezone.now()
        return self.filter(is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class Notice(models.Model):
    """A short message the site shows to visitors (e.g. "Closed on Friday")."""

    text = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
