"""Make WebP renditions of an image at the configured widths (never upscaled)."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageOps

from .paths import rendition_name


def render_widths(storage: Storage, name: str, widths: tuple[int, ...]) -> list[dict]:
    """Write ``<stem>.<w>.webp`` for each width below the original's; return their list."""
    with storage.open(name, "rb") as fh, Image.open(fh) as img:
        img = ImageOps.exif_transpose(img)
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert(
                "RGBA" if "transparency" in img.info or img.mode in ("LA", "P") else "RGB"
            )
        made = []
        for width in sorted(widths):
            if width >= img.width:
                continue
            height = max(1, round(img.height * width / img.width))
            out = io.BytesIO()
            img.resize((width, height), Image.Resampling.LANCZOS).save(out, "WEBP", quality=82)
            target = rendition_name(name, width)
            if storage.exists(target):  # idempotent: a retried task overwrites
                storage.delete(target)
            storage.save(target, ContentFile(out.getvalue()))
            made.append({"width": width, "height": height, "name": target})
        return made
