from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from mortar_api.tenancy.storage import tenant_upload_to

from .validation import validate_image

RENDITION_WIDTHS = (320, 768, 1280)


class MediaAsset(models.Model):
    """An uploaded image; renditions (WebP, several widths) are made by a Celery task."""

    # A FileField (not ImageField): our own validator reads the content once, bomb-safe.
    file = models.FileField(upload_to=tenant_upload_to("images"), max_length=255)
    title = models.CharField(max_length=200, blank=True)
    alt = models.CharField("alt text", max_length=300, blank=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    mime_type = models.CharField(max_length=50, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    # [{"width": 320, "name": "<storage name>"}, ...] — filled by media.tasks.make_renditions
    renditions = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "media asset"

    def __str__(self) -> str:
        return self.title or self.file.name.rsplit("/", 1)[-1]

    def save(self, *args, **kwargs) -> None:
        if self.file and not self.file._committed:
            # Never store an unvalidated file, whatever path (admin, API, shell) saved it.
            info = validate_image(self.file.file)
            self.mime_type, self.size = info.mime_type, info.size
            self.width, self.height = info.width, info.height
            self.renditions = []
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        upload = self.file.file if self.file and not self.file._committed else None
        if upload is not None:
            try:
                info = validate_image(upload)
            except ValidationError as exc:
                raise ValidationError({"file": exc.messages}) from exc
            self.mime_type, self.size = info.mime_type, info.size
            self.width, self.height = info.width, info.height
