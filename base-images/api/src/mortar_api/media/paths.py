"""Storage names of renditions (originals are named by ``mortar_api.tenancy.storage``)."""

from __future__ import annotations

import os


def rendition_name(original: str, width: int) -> str:
    """``acme/images/abc.png`` → ``acme/images/abc.320.webp`` (beside the original)."""
    stem, _ext = os.path.splitext(original)
    return f"{stem}.{width}.webp"
