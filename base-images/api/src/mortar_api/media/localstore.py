"""The local media storage: Django's FileSystemStorage that leaves no half-written file.

Django streams an upload into its final name and, when the write fails (a full disk), leaves
the truncated file there. Names are random (``tenancy.storage.TenantUploadTo``), so a file
that appeared under ``name`` during a failed save is this save's own and is removed; the
error then reaches ``mortar_api.resilience`` (507) and the row is never inserted (the
FileField saves before the INSERT).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from django.core.files.storage import FileSystemStorage


class LocalMediaStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        path = self.path(name)
        existed = os.path.lexists(path)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            raise
