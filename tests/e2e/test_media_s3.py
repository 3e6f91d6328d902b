"""A site spawned with `media_storage=s3`, brought up with `mortar site up` against an
S3-protocol server (moto over TLS on loopback, or MORTAR_TEST_S3_ENDPOINT), end to end:

a missing bucket stops `site up` with the reason; then an image uploaded through the editor
API lands under the tenant's prefix, the site's worker puts its renditions beside it, the
home page shows it in headless Chromium (loaded from the bucket), `mortar site backup`
lists the objects (and copies them with --with-media), deleting the asset deletes its
objects, and `mortar site restore` puts them back.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import subprocess
import sys
import tarfile
import time

import pytest
import requests
from conftest import launch_chromium
from kitstack import BIN, KIT
from mortar_infra.envfile import update_env
from PIL import Image

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# the api tests' S3 server helper (not on this tier's path: loaded by file)
_spec = importlib.util.spec_from_file_location(
    "s3server", KIT / "base-images" / "api" / "tests" / "s3server.py"
)
s3server = sys.modules["s3server"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(s3server)

PASSWORD = "s3-e2e-admin-pw"
PARTNER = """
import sys

import django

django.setup()
from django_tenants.utils import schema_context
from mortar_api.cms.models import Partner

with schema_context(sys.argv[1]):
    if sys.argv[2] == "add":
        Partner.objects.create(name="Bucket Co", logo_id=int(sys.argv[3]))
    else:
        Partner.objects.all().delete()
"""


def _up(stack, site_dir) -> subprocess.CompletedProcess:
    env = {**stack.env, "MORTAR_ADMIN_PASSWORD": PASSWORD}
    return subprocess.run(
        [str(BIN / "mortar"), "site", "up", str(site_dir)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def _image() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 500), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = s3server.start(tmp_path_factory.mktemp("s3"), tls=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3_site(stack, s3, tag, tmp_path_factory):
    bucket = s3.make_bucket()
    slug, domain = f"e2e_s3_{tag}", f"s3-{tag}.localhost"
    site_dir = stack.spawn(
        tmp_path_factory.mktemp("s3site"), site_name=f"S3 {tag}", site_slug=slug,
        domain=domain, admin_email=f"owner@{domain}", media_storage="s3",
        s3_bucket="mortar-test-missing-bucket", s3_endpoint_url=s3.endpoint, s3_region=s3.region,
    )  # fmt: skip
    keys = {"AWS_ACCESS_KEY_ID": s3.access_key, "AWS_SECRET_ACCESS_KEY": s3.secret_key}
    if s3.ca_bundle:  # botocore trusts the emulator's own certificate
        keys["AWS_CA_BUNDLE"] = s3.ca_bundle
    update_env(site_dir / ".env", keys)
    try:
        failed = _up(stack, site_dir)
        update_env(site_dir / ".env", {"AWS_STORAGE_BUCKET_NAME": bucket})
        up = _up(stack, site_dir)
        assert up.returncode == 0, up.stdout + up.stderr
        status = json.loads(stack.mortar("site", "status", "--json").stdout)
        api_port = next(r["api_port"] for r in status if r["slug"] == slug)
        yield {"dir": site_dir, "slug": slug, "domain": domain, "bucket": bucket,
               "failed": failed, "api_port": api_port}  # fmt: skip
    finally:
        stack.mortar("site", "down", str(site_dir), check=False)
        stack.mortar("site", "deprovision", slug, "--yes", check=False)


def test_site_up_names_a_missing_bucket(s3_site):
    failed = s3_site["failed"]
    assert failed.returncode != 0
    assert "the S3 bucket 'mortar-test-missing-bucket' does not exist at https://127.0.0.1:" in (
        failed.stdout + failed.stderr
    )


def test_upload_renditions_browser_backup_and_deletion(stack, s3, s3_site, chromium, tmp_path):
    domain, schema, bucket = s3_site["domain"], s3_site["slug"], s3_site["bucket"]
    api = f"http://127.0.0.1:{stack.port}"
    host = {"Host": domain}
    health = requests.get(f"http://127.0.0.1:{s3_site['api_port']}/health/", timeout=15).json()
    assert health["checks"]["storage"] == "ok"
    token = requests.post(
        f"{api}/api/v1/auth/token/", headers=host, timeout=15,
        json={"username": f"owner@{domain}", "password": PASSWORD},
    ).json()["token"]  # fmt: skip
    auth = {**host, "Authorization": f"Token {token}"}
    resp = requests.post(
        f"{api}/api/v1/editor/media/", headers=auth, timeout=30,
        files={"file": ("../../other/Bucket Logo.png", _image(), "image/png")},
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    asset = resp.json()
    prefix = f"{s3.endpoint}/{bucket}/media/{schema}/images/Bucket_Logo-"
    assert asset["image"]["url"].startswith(prefix)

    deadline = time.monotonic() + 90  # the site's own worker makes the renditions
    while not asset["image"]["renditions"] and time.monotonic() < deadline:
        time.sleep(0.5)
        asset = requests.get(
            f"{api}/api/v1/editor/media/{asset['id']}/", headers=auth, timeout=15
        ).json()
    renditions = asset["image"]["renditions"]
    assert [r["width"] for r in renditions] == [320, 768]
    keys = s3.keys(bucket, "media/")
    assert len(keys) == 3 and all(k.startswith(f"media/{schema}/images/Bucket_Logo-") for k in keys)
    for r in renditions:
        key = r["url"].split(f"/{bucket}/", 1)[1]
        with Image.open(io.BytesIO(s3.read(bucket, key))) as img:
            assert img.format == "WEBP" and img.width == r["width"]

    partner = stack.site_python(_Site(s3_site), "-c", PARTNER, schema, "add", str(asset["id"]))
    assert partner.returncode == 0, partner.stderr
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"http://{domain}:{stack.port}/", wait_until="networkidle")
        img = page.locator('img[alt="Bucket Co"]')
        img.wait_for(timeout=20_000)
        shown = img.evaluate("i => [i.complete, i.naturalWidth, i.currentSrc]")
        assert shown[0] and shown[1] > 0, shown  # decoded: the browser fetched it from the bucket
        assert shown[2].startswith(f"{s3.endpoint}/{bucket}/media/{schema}/images/"), shown
    finally:
        context.close()

    gone = stack.site_python(_Site(s3_site), "-c", PARTNER, schema, "clear")
    assert gone.returncode == 0, gone.stderr
    # backups: the bucket's object list always, the objects themselves with --with-media
    listed, full = tmp_path / "listed.tar", tmp_path / "full.tar"
    stack.mortar("site", "backup", str(s3_site["dir"]), "--out", str(listed))
    stack.mortar("site", "backup", str(s3_site["dir"]), "--with-media", "--out", str(full))
    names = [k.removeprefix("media/") for k in keys]
    with tarfile.open(listed) as tar:
        objects = json.load(tar.extractfile("media-objects.json"))
        assert [o["name"] for o in objects] == names and all(o["etag"] for o in objects)
        assert not [m for m in tar.getnames() if m.startswith("media/")]
    with tarfile.open(full) as tar:
        objects = json.load(tar.extractfile("media-objects.json"))
        for o in objects:
            data = tar.extractfile(f"media/{o['name']}").read()
            assert hashlib.sha256(data).hexdigest() == o["sha256"] and len(data) == o["size"]

    deleted = requests.delete(f"{api}/api/v1/editor/media/{asset['id']}/", headers=auth, timeout=30)
    assert deleted.status_code == 204
    assert s3.keys(bucket, "media/") == []  # the original and both renditions

    # a restore puts the objects back (and the asset's row with the database)
    stack.mortar("site", "restore", str(full), str(s3_site["dir"]), "--force")
    assert s3.keys(bucket, "media/") == keys
    back = requests.get(f"{api}/api/v1/editor/media/{asset['id']}/", headers=auth, timeout=15)
    assert back.status_code == 200 and back.json()["image"]["url"] == asset["image"]["url"]
    assert requests.get(asset["image"]["url"], verify=s3.ca_bundle, timeout=15).status_code == 200


class _Site:
    """What `Stack.site_python` needs of a site."""

    def __init__(self, info: dict) -> None:
        self.slug, self.dir = info["slug"], info["dir"]


@pytest.fixture(scope="module")
def chromium():
    # the emulator's certificate is its own; a real bucket's would be trusted
    yield from launch_chromium("--ignore-certificate-errors")
