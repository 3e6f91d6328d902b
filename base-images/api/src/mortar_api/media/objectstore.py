"""Media in an S3-protocol bucket (``MORTAR_MEDIA_STORAGE=s3``, django-storages + boto3).

* ``TenantS3Storage``: the S3 backend that refuses, while a tenant is active, to write or
  delete a name outside that tenant's prefix (names are server-made; this is the backstop).
* ``probe()``: one listing call that says in words what is wrong - the endpoint, the
  credentials or the bucket. Used by ``/health/``, ``check_media_storage`` (run by
  ``mortar site up``) and ``StorageErrorMiddleware`` (a 503 naming the cause, never a 500).
* ``remove_tenant_prefix()``: a removed tenant's objects go too, unless
  ``MORTAR_MEDIA_KEEP_REMOVED`` keeps them.

Without the s3 extra (django-storages, boto3) this module still imports: local sites need
not install them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage, storages
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

try:
    # (botocore's exceptions alone: ~2.5 MiB; the S3 backend, boto3 and botocore's client
    # are ~25 MiB per process, imported only by a site whose media are in a bucket)
    from botocore.exceptions import BotoCoreError, ClientError

    # what a bucket raises when it is unreachable or refuses (tasks retry on these)
    STORAGE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)
except ImportError:  # the s3 extra is not installed: settings refuse MORTAR_MEDIA_STORAGE=s3
    STORAGE_ERRORS = ()
_S3_MODULE = "storages.backends.s3"


class OutsideTenantError(SuspiciousFileOperation):
    """A storage name outside the active tenant's prefix (Django answers these with 400)."""


def is_s3() -> bool:
    """The media storage is a bucket (read from STORAGES, so tests can switch it).

    An S3 backend imported its module when it was made, so a site on local disk never
    imports boto3 for this question."""
    storage = storages["default"]  # (the instance default_storage stands for)
    module = sys.modules.get(_S3_MODULE)
    return module is not None and isinstance(storage, module.S3Storage)


def __getattr__(name: str) -> type:
    # ``TenantS3Storage`` (STORAGES' backend path) lives in s3storage: imported on first use
    if name == "TenantS3Storage":
        from mortar_api.media.s3storage import TenantS3Storage

        return TenantS3Storage
    raise AttributeError(name)


def _describe(exc: Exception, endpoint: str, bucket: str) -> str:
    """A sentence for an operator: which of endpoint, credentials, bucket is wrong."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, (EndpointConnectionError, ReadTimeoutError)):
        return f"cannot reach the S3 endpoint {endpoint} ({type(exc).__name__})"
    if isinstance(exc, NoCredentialsError):
        return "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchBucket", "404"):
            return f"the S3 bucket {bucket!r} does not exist at {endpoint}"
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "403"):
            return f"the S3 endpoint {endpoint} refused the credentials ({code})"
        if code == "AccessDenied":
            return f"the S3 credentials may not list bucket {bucket!r} at {endpoint} ({code})"
        return f"the S3 endpoint {endpoint} answered {code or 'an error'} for bucket {bucket!r}"
    return f"S3 storage error at {endpoint}: {type(exc).__name__}"


def _where(storage) -> tuple[str, str]:
    endpoint = storage.endpoint_url or f"AWS S3 ({storage.region_name or 'default region'})"
    return endpoint, storage.bucket_name


def probe() -> str:
    """``"ok"`` or what is wrong with the media bucket (one ListObjectsV2, MaxKeys=1)."""
    storage = default_storage
    endpoint, bucket = _where(storage)
    try:
        storage.connection.meta.client.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except Exception as exc:  # every failure becomes a sentence; nothing here may raise
        return _describe(exc, endpoint, bucket)
    return "ok"


def is_storage_error(exc: BaseException) -> bool:
    return bool(STORAGE_ERRORS) and isinstance(exc, STORAGE_ERRORS) and is_s3()


class StorageErrorMiddleware:
    """An S3 failure during a request (an upload, a delete) is a 503 that names the cause.

    The file is not stored and no row is written (the FileField saves before the INSERT).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_storage_error(exc):
            return None
        endpoint, bucket = _where(default_storage)
        cause = probe()
        if cause == "ok":  # the bucket answers again: say what the failed call met
            cause = _describe(exc, endpoint, bucket)
        message = f"Media storage unavailable: {cause}. Nothing was saved; retry later."
        log.error("media storage error answered as 503: %s", cause, exc_info=exc)
        if request.path.startswith("/api/"):
            from mortar_api.cms.errors import error_body

            return JsonResponse(error_body(message), status=503, headers={"Retry-After": "30"})
        return HttpResponse(
            message, status=503, content_type="text/plain; charset=utf-8",
            headers={"Retry-After": "30"},
        )  # fmt: skip


def remove_tenant_prefix(schema: str) -> int:
    """Delete every object under ``<location>/<schema>/``; the number deleted.

    ``MORTAR_MEDIA_KEEP_REMOVED=true`` keeps them (e.g. for the bucket's own retention).
    """
    if getattr(settings, "MORTAR_MEDIA_KEEP_REMOVED", False):
        log.info("tenant %s removed; media kept (MORTAR_MEDIA_KEEP_REMOVED)", schema)
        return 0
    storage = default_storage
    # the trailing "/" keeps tenant "acme" from matching "acme2"
    prefix = "/".join(filter(None, [storage.location.strip("/"), schema])) + "/"
    deleted = 0
    for page in storage.bucket.objects.filter(Prefix=prefix).pages():
        keys = [{"Key": obj.key} for obj in page]
        if keys:
            storage.bucket.delete_objects(Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted
