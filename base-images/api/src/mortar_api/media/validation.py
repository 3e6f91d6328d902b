"""Upload validation: the file's *content* decides, never its name.

Pillow identifies the format from the bytes; the pixel count is checked from the
header before anything is decoded, so a decompression bomb is refused cheaply.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime_type: str
    width: int
    height: int
    size: int


def max_upload_bytes() -> int:
    return int(getattr(settings, "MORTAR_MEDIA_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "MORTAR_MEDIA_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def effective_max_pixels() -> int:
    pillow = Image.MAX_IMAGE_PIXELS
    return min(max_pixels(), pillow) if pillow else max_pixels()


def validate_image(upload) -> ImageInfo:
    """Return what the image is, or raise ``ValidationError`` with a clear message."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            f"File too large: {size} bytes; the limit is {limit} bytes.", code="file_too_large"
        )
    if size == 0:
        raise ValidationError("The file is empty.", code="empty")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors at 2x) above its own MAX_IMAGE_PIXELS; treat both as a bomb.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as img:
                fmt, (width, height) = img.format, img.size
                if width * height > max_pixels():
                    raise Image.DecompressionBombError("too many pixels")
                img.verify()  # structural check without decoding every pixel
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            f"Image dimensions are too large (limit {effective_max_pixels()} pixels).",
            code="decompression_bomb",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "Not a valid image: upload a JPEG, PNG, GIF or WebP file.", code="invalid_image"
        ) from exc
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            f"Unsupported image format {fmt!r}: upload a JPEG, PNG, GIF or WebP file.",
            code="invalid_image",
        )
    return ImageInfo(fmt, ALLOWED_FORMATS[fmt], width, height, size)
