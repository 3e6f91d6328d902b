"""``mortar-api media_objects list|download DIR|upload DIR``: the media bucket's objects, for
``mortar site backup`` / ``restore`` of S3 sites (local media are plain files: not this).

* ``list``: a JSON list of ``{"name", "size", "etag"}`` (names relative to ``AWS_LOCATION``);
* ``download DIR``: every object into ``DIR/<name>``; prints the list with each ``sha256``;
* ``upload DIR``: every file under ``DIR`` to the bucket at ``<name>`` (what a restore puts
  back; names carry random parts, so this only adds or rewrites the same objects).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mortar_api.media.objectstore import is_s3, probe


def _prefix() -> str:
    location = default_storage.location.strip("/")  # AWS_LOCATION, default "media"
    return f"{location}/" if location else ""


def _objects() -> list[dict[str, Any]]:
    prefix = _prefix()
    rows = []
    for obj in default_storage.bucket.objects.filter(Prefix=prefix):
        rows.append(
            {"name": obj.key[len(prefix) :], "size": obj.size, "etag": obj.e_tag.strip('"')}
        )
    return sorted(rows, key=lambda r: r["name"])


def _inside(root: Path, name: str) -> Path:
    path = (root / name).resolve()
    if root.resolve() not in path.parents:
        raise CommandError(f"object name {name!r} leaves {root}")
    return path


class Command(BaseCommand):
    help = "List, download or upload the media bucket's objects (S3 sites' backups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "download", "upload"])
        parser.add_argument("dir", nargs="?", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not is_s3():
            raise CommandError("media are not in a bucket (MORTAR_MEDIA_STORAGE is not s3)")
        state = probe()
        if state != "ok":
            raise CommandError(f"media storage: {state}")
        action, root = opts["action"], opts["dir"]
        if action != "list" and root is None:
            raise CommandError(f"{action} needs a directory")
        if action == "list":
            rows = _objects()
        elif action == "download":
            rows = _objects()
            for row in rows:
                path = _inside(root, row["name"])
                path.parent.mkdir(parents=True, exist_ok=True)
                with default_storage.open(row["name"], "rb") as src:
                    data = src.read()
                path.write_bytes(data)
                row["sha256"] = hashlib.sha256(data).hexdigest()
        else:
            rows = []
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                default_storage.bucket.upload_file(
                    str(path), _prefix() + name, ExtraArgs={"ContentType": kind}
                )
                rows.append({"name": name, "size": path.stat().st_size})
        self.stdout.write(json.dumps(rows))
