"""Media in an S3 bucket, against a real S3-protocol server over HTTP (tests/s3server.py:
moto's server on loopback, or MORTAR_TEST_S3_ENDPOINT): uploads land under the tenant's
prefix, a real worker makes renditions from the object, URLs, deletion, tenant removal,
isolation, and the clear errors of a wrong endpoint, bad credentials or a missing bucket.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import environ
import pytest
import requests
from conftest import start_worker, stop_worker, subprocess_env, wait_for_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from media.conftest import image_bytes
from PIL import Image
from s3server import S3Server, free_port, start, start_checking_credentials

QUEUE = "s3test"  # the session's local-storage worker never takes these tasks


def storages_for(server: S3Server, bucket: str, **env: str) -> dict:
    """STORAGES for a bucket, built by the same helper the settings use."""
    from mortar_api.settings_helpers import media_storage

    values = {
        "MORTAR_MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": server.endpoint,
        "AWS_S3_REGION_NAME": server.region,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        **env,
    }
    from django.conf import settings

    return {"default": media_storage(_Env(values)), "staticfiles": settings.STORAGES["staticfiles"]}


class _Env(environ.Env):
    """An ``environ.Env`` reading a dict instead of os.environ."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        self.ENVIRON = values


def s3_env(server: S3Server, bucket: str) -> dict[str, str]:
    return {
        "MORTAR_MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": server.endpoint,
        "AWS_S3_REGION_NAME": server.region,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
    }


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start(tmp_path_factory.mktemp("s3"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bucket(s3: S3Server) -> str:
    return s3.make_bucket()


@pytest.fixture
def s3_media(s3: S3Server, bucket: str) -> Iterator[str]:
    """This test's media go to ``bucket`` (under ``media/<schema>/``)."""
    with override_settings(STORAGES=storages_for(s3, bucket), MORTAR_MEDIA_STORAGE="s3"):
        yield bucket


@pytest.fixture(scope="module")
def s3_worker(
    s3: S3Server, bucket: str, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
):
    env = subprocess_env(**s3_env(s3, bucket))
    worker = start_worker(tmp_path_factory.mktemp("s3worker"), env, name="s3", queues=QUEUE)
    try:
        wait_for_worker(worker, queue=QUEUE)
        yield worker
    finally:
        stop_worker(worker)


@pytest.fixture
def to_s3_worker(s3_worker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Renditions queued by uploads go to the S3-configured worker's queue."""
    from mortar_api.media.tasks import make_renditions

    def delay(asset_id: int):
        return make_renditions.apply_async((asset_id,), queue=QUEUE)

    monkeypatch.setattr(make_renditions, "delay", delay)


def upload(client, name: str, data: bytes):
    return client.post("/api/v1/editor/media/", {"file": SimpleUploadedFile(name, data)})


def wait_renditions(tenant, asset_id: int, timeout: float = 60):
    from django_tenants.utils import tenant_context
    from mortar_api.media.models import MediaAsset

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            asset = MediaAsset.objects.get(pk=asset_id)
        if asset.renditions:
            return asset
        time.sleep(0.2)
    raise AssertionError(f"no renditions for asset {asset_id} in {timeout}s")


def delete_assets(tenant) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import Partner
    from mortar_api.media.models import MediaAsset

    with tenant_context(tenant):
        Partner.objects.all().delete()
        for asset in MediaAsset.objects.all():
            asset.delete()


@pytest.mark.worker
def test_upload_renditions_urls_and_deletion(
    s3: S3Server, s3_media: str, to_s3_worker, committed_db, tenant_a, editor_client, client_for
) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import Partner

    bucket = s3_media
    client = editor_client(tenant_a)
    resp = upload(client, "logo.jpg", image_bytes("JPEG"))
    assert resp.status_code == 201, resp.content
    asset_id = resp.json()["id"]
    try:
        asset = wait_renditions(tenant_a, asset_id)
        assert asset.file.name.startswith("apitest_a/images/logo-")
        # the original and its renditions are objects beside each other, under the tenant
        keys = s3.keys(bucket, "media/apitest_a/")
        assert keys == sorted(
            ["media/" + asset.file.name] + ["media/" + r["name"] for r in asset.renditions]
        )
        assert [r["width"] for r in asset.renditions] == [320, 768]
        for r in asset.renditions:  # made by the worker from the object, written to the bucket
            with Image.open(io.BytesIO(s3.read(bucket, "media/" + r["name"]))) as img:
                assert img.format == "WEBP" and img.width == r["width"]
        with tenant_context(tenant_a):
            Partner.objects.create(name="Logo Co", logo_id=asset_id)
        logo = client_for(tenant_a).get("/api/v1/site/").json()["partners"][0]["logo"]
        base = f"{s3.endpoint}/{bucket}/media/"
        assert logo["url"] == base + asset.file.name
        assert [x["url"] for x in logo["renditions"]] == [
            base + r["name"] for r in asset.renditions
        ]
        got = requests.get(logo["renditions"][0]["url"], timeout=10)  # a browser's GET
        assert got.status_code == 200 and got.content[8:12] == b"WEBP"
        with tenant_context(tenant_a):
            Partner.objects.all().delete()
        assert client.delete(f"/api/v1/editor/media/{asset_id}/").status_code == 204
        assert s3.keys(bucket, "media/apitest_a/") == []  # original and renditions gone
    finally:
        delete_assets(tenant_a)


@pytest.mark.django_db
def test_admin_upload_lands_in_the_tenant_prefix(
    s3: S3Server, s3_media: str, tenant_a, admin_client_for
) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.media.models import MediaAsset

    resp = admin_client_for(tenant_a).post(
        "/admin/media/mediaasset/add/",
        {"file": SimpleUploadedFile("Admin Pic.png", image_bytes(size=(30, 20))), "title": "t"},
    )
    assert resp.status_code == 302, resp.content[:500]
    with tenant_context(tenant_a):
        asset = MediaAsset.objects.get()
        name = asset.file.name
        assert name.startswith("apitest_a/images/Admin_Pic-") and name.endswith(".png")
        assert s3.read(s3_media, "media/" + name)[:8] == b"\x89PNG\r\n\x1a\n"
        asset.delete()  # django_db: the delete waits for a commit that never comes
    s3.client().delete_object(Bucket=s3_media, Key="media/" + name)


@pytest.mark.django_db
def test_custom_domain_and_presigned_urls(s3: S3Server, tenant_a, in_tenant) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    bucket = s3.make_bucket(public_read=False)  # a private bucket: only signed reads
    with override_settings(STORAGES=storages_for(s3, bucket)), in_tenant(tenant_a):
        name = default_storage.save("apitest_a/images/url-test.png", ContentFile(b"x" * 10))
    try:
        custom = storages_for(s3, bucket, AWS_S3_CUSTOM_DOMAIN="media.example.test")
        with override_settings(STORAGES=custom):
            assert default_storage.url(name) == f"https://media.example.test/media/{name}"
        private = storages_for(s3, bucket, AWS_QUERYSTRING_AUTH="true")
        with override_settings(STORAGES=private):
            url = default_storage.url(name)
        assert url.startswith(f"{s3.endpoint}/{bucket}/media/{name}?")
        assert "Signature=" in url and "Expires=" in url
        assert requests.get(url, timeout=10).content == b"x" * 10
        assert requests.get(url.split("?")[0], timeout=10).status_code == 403  # unsigned
    finally:
        s3.client().delete_object(Bucket=bucket, Key="media/" + name)


CRAFTED = [
    "../apitest_b/images/evil.png",
    "apitest_b/images/evil.png",
    "..\\..\\apitest_b\\evil.png",
    "..%2Fapitest_b%2Fevil.png",
    "/apitest_b/images/evil.png",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_names_stay_in_the_tenant_prefix(
    s3: S3Server, s3_media: str, tenant_a, editor_client, name: str
) -> None:
    resp = upload(editor_client(tenant_a), name, image_bytes(size=(10, 10)))
    assert resp.status_code == 201, resp.content
    keys = s3.keys(s3_media, "media/")
    try:
        assert keys and all(k.startswith("media/apitest_a/images/") for k in keys), keys
        assert not s3.keys(s3_media, "media/apitest_b/")
    finally:
        s3.client().delete_objects(Bucket=s3_media, Delete={"Objects": [{"Key": k} for k in keys]})


@pytest.mark.django_db
def test_storage_refuses_names_of_another_tenant(
    s3: S3Server, s3_media: str, tenant_a, tenant_b, in_tenant, editor_client
) -> None:
    from django.core.exceptions import SuspiciousFileOperation
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    with in_tenant(tenant_b):
        theirs = default_storage.save("apitest_b/images/theirs.png", ContentFile(b"b" * 5))
    try:
        with in_tenant(tenant_a):
            # OutsideTenantError (ours) or Django's own refusal of ".."
            for name in [theirs, "apitest_a/../apitest_b/images/theirs.png", "x.png"]:
                with pytest.raises(SuspiciousFileOperation):
                    default_storage.save(name, ContentFile(b"a"))
                with pytest.raises(SuspiciousFileOperation):
                    default_storage.delete(name)
        # the editor API takes no storage names: a PATCH naming their object is refused
        asset = upload(editor_client(tenant_a), "a.png", image_bytes(size=(10, 10))).json()
        bad = editor_client(tenant_a).patch(
            f"/api/v1/editor/media/{asset['id']}/", {"file": theirs},
            content_type="application/json",
        )  # fmt: skip
        assert bad.status_code == 400
        assert s3.read(s3_media, "media/" + theirs) == b"b" * 5  # untouched
    finally:
        for key in s3.keys(s3_media, "media/"):
            s3.client().delete_object(Bucket=s3_media, Key=key)


def test_removing_a_tenant_removes_its_prefix(s3: S3Server, s3_media: str, committed_db) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django_tenants.utils import schema_context
    from mortar_api.tenancy.provisioning import create_tenant, delete_tenant

    for keep in (False, True):
        schema = f"apitest_s3{'k' if keep else 'r'}{int(time.time() * 1000) % 100000}"
        create_tenant(schema, [f"{schema.replace('_', '-')}.apitest.localhost"], welcome=False)
        with schema_context(schema):
            default_storage.save(f"{schema}/images/a.png", ContentFile(b"a"))
        with schema_context("public"):  # a neighbour whose name starts with the same letters
            default_storage.save(f"{schema}x/images/n.png", ContentFile(b"n"))
        with override_settings(MORTAR_MEDIA_KEEP_REMOVED=keep):
            delete_tenant(schema)
        assert bool(s3.keys(s3_media, f"media/{schema}/")) is keep
        assert s3.keys(s3_media, f"media/{schema}x/")  # never touched
    for key in s3.keys(s3_media, "media/"):
        s3.client().delete_object(Bucket=s3_media, Key=key)


def test_tenant_removal_finishes_when_the_bucket_is_down(
    s3: S3Server, bucket: str, committed_db, caplog: pytest.LogCaptureFixture
) -> None:
    from django_tenants.utils import schema_exists
    from mortar_api.tenancy.provisioning import create_tenant, delete_tenant

    schema = f"apitest_s3d{int(time.time() * 1000) % 100000}"
    create_tenant(schema, [f"{schema.replace('_', '-')}.apitest.localhost"], welcome=False)
    dead = S3Server(f"http://127.0.0.1:{free_port()}", s3.access_key, s3.secret_key)
    with override_settings(STORAGES=storages_for(dead, bucket)):
        delete_tenant(schema)
    assert not schema_exists(schema)
    assert f"tenant {schema} removed; its media objects were not: cannot reach" in caplog.text


# --- clear errors: wrong endpoint, bad credentials, missing bucket ---------------------------


@pytest.fixture(scope="module")
def checking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_checking_credentials(tmp_path_factory.mktemp("s3iam"))
    try:
        yield server
    finally:
        server.stop()


def broken(s3: S3Server, checking: S3Server, bucket: str, what: str) -> dict:
    if what == "endpoint":
        dead = S3Server(f"http://127.0.0.1:{free_port()}", s3.access_key, s3.secret_key)
        return storages_for(dead, bucket)
    if what == "credentials":
        good = checking.make_bucket()
        wrong = S3Server(checking.endpoint, checking.access_key, "wrong-secret", checking.region)
        return storages_for(wrong, good)
    return storages_for(s3, "mortar-test-no-such-bucket")


EXPECTED = {
    "endpoint": "cannot reach the S3 endpoint http://127.0.0.1:",
    "credentials": "refused the credentials (SignatureDoesNotMatch)",
    "bucket": "the S3 bucket 'mortar-test-no-such-bucket' does not exist at ",
}


@pytest.mark.parametrize("what", list(EXPECTED))
def test_health_upload_and_check_command_name_the_fault(
    s3: S3Server, checking: S3Server, bucket: str, committed_db, tenant_a, editor_client,
    client_for, what: str,
) -> None:  # fmt: skip
    # committed_db: as in production, the refused upload leaves no transaction to roll back
    from django.core.management import CommandError, call_command
    from django_tenants.utils import tenant_context
    from mortar_api.media.models import MediaAsset

    with override_settings(STORAGES=broken(s3, checking, bucket, what)):
        health = client_for(tenant_a).get("/health/")
        assert health.status_code == 503
        assert EXPECTED[what] in health.json()["checks"]["storage"], health.json()
        resp = upload(editor_client(tenant_a), "a.png", image_bytes(size=(10, 10)))
        assert resp.status_code == 503, resp.content
        assert EXPECTED[what] in resp.json()["detail"] and resp["Retry-After"] == "30"
        with tenant_context(tenant_a):
            assert not MediaAsset.objects.exists()  # nothing half-saved
        with pytest.raises(CommandError, match="media storage: "):
            call_command("check_media_storage")
    with override_settings(STORAGES=storages_for(s3, bucket)):
        assert client_for(tenant_a).get("/health/").json()["checks"]["storage"] == "ok"


@pytest.mark.django_db
def test_admin_upload_to_a_missing_bucket_is_a_503_page(
    s3: S3Server, tenant_a, admin_client_for
) -> None:
    with override_settings(STORAGES=storages_for(s3, "mortar-test-no-such-bucket")):
        resp = admin_client_for(tenant_a).post(
            "/admin/media/mediaasset/add/",
            {"file": SimpleUploadedFile("p.png", image_bytes(size=(30, 20))), "title": "t"},
        )
    assert resp.status_code == 503
    assert b"Media storage unavailable: the S3 bucket 'mortar-test-no-such-bucket'" in (
        resp.content
    )


def test_local_storage_health_has_no_storage_check(client_for, tenant_a, db) -> None:
    assert "storage" not in client_for(tenant_a).get("/health/").json()["checks"]
