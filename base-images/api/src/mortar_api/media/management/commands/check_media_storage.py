"""``mortar-api check_media_storage``: is the media storage usable? (``mortar site up`` runs it).

Local media: ``local``. A bucket: ``s3 ok`` or a CommandError naming the fault - the
endpoint cannot be reached, the credentials are refused, or the bucket does not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mortar_api.media.objectstore import is_s3, probe


class Command(BaseCommand):
    help = "Check that the media storage (local folder or S3 bucket) answers."

    def handle(self, *args: Any, **opts: Any) -> None:
        if not is_s3():
            self.stdout.write("local")
            return
        result = probe()
        if result != "ok":
            raise CommandError(f"media storage: {result}")
        self.stdout.write("s3 ok")
