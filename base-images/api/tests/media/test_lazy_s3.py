"""A site whose media are on local disk never imports the S3 backend or boto3 (~25 MiB in
each api and worker process): objectstore's middleware is in every api."""

import subprocess
import sys

from conftest import subprocess_env

PROBE = """
import sys
from django.core.wsgi import get_wsgi_application
get_wsgi_application()
from mortar_api.celery import app
app.loader.import_default_modules()  # every task module, as a worker does
from mortar_api.media.objectstore import is_s3
print(is_s3(), sorted({"boto3", "storages.backends.s3"} & set(sys.modules)))
from mortar_api.media.objectstore import TenantS3Storage  # STORAGES' path still loads it
print(TenantS3Storage.__mro__[1].__module__)
"""


def test_local_media_does_not_import_boto3():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=subprocess_env(MORTAR_MEDIA_STORAGE="local"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["False []", "storages.backends.s3"], proc.stdout
