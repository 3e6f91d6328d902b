"""The media chooser: image fields pick from the tenant's library; its JSON endpoints."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from media.conftest import image_bytes

pytestmark = pytest.mark.django_db

LIST, UPLOAD = "/admin/media/mediaasset/chooser/", "/admin/media/mediaasset/chooser/upload/"


def make_asset(name: str, title: str = "", alt: str = ""):
    from mortar_api.media.models import MediaAsset

    asset = MediaAsset(file=SimpleUploadedFile(name, image_bytes(size=(40, 30))), title=title)
    asset.alt = alt
    asset.save()
    return asset


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/admin/cms/page/add/", "seo_image"),
        ("/admin/cms/hero/add/", "background_image"),
        ("/admin/cms/partner/add/", "logo"),
        ("/admin/cms/sitesettings/1/change/", "logo"),
    ],
)
def test_every_image_field_uses_the_chooser(
    url: str, field: str, tenant_a, in_tenant, admin_client_for
) -> None:
    from mortar_api.cms.models import SiteSettings

    with in_tenant(tenant_a):
        SiteSettings.load()
    html = admin_client_for(tenant_a).get(url).content.decode()
    assert re.search(rf'<input type="hidden" name="{field}" id="id_{field}"', html), url
    assert f'<select name="{field}"' not in html and "vForeignKeyRawIdAdminField" not in html
    assert "data-mortar-chooser" in html and "/static/mortar_media/chooser.js" in html


def test_list_searches_title_alt_and_file_name(tenant_a, in_tenant, admin_client_for) -> None:
    with in_tenant(tenant_a):
        harbour = make_asset("harbour.png", title="Harbour at dawn")
        boats = make_asset("img1.png", alt="Boats on the river")
        logo = make_asset("company-logo.png")
    client = admin_client_for(tenant_a)
    everything = client.get(LIST).json()
    assert [a["id"] for a in everything["results"]] == [logo.pk, boats.pk, harbour.pk]
    assert everything["count"] == 3 and everything["pages"] == 1
    first = everything["results"][2]
    assert first["title"] == "Harbour at dawn" and first["url"].endswith(".png")
    assert first["url"].startswith("/media/apitest_a/images/") and first["thumbnail"]
    assert set(first) >= {"id", "url", "thumbnail", "title", "alt"}
    for query, expected in (("dawn", harbour), ("RIVER", boats), ("company-logo", logo)):
        assert [a["id"] for a in client.get(LIST, {"q": query}).json()["results"]] == [expected.pk]
    assert client.get(LIST, {"q": "nothing-like-this"}).json()["results"] == []


def test_list_is_paginated(tenant_a, in_tenant, admin_client_for, monkeypatch) -> None:
    from mortar_api.media import chooser

    monkeypatch.setattr(chooser, "PAGE_SIZE", 2)
    with in_tenant(tenant_a):
        ids = [make_asset(f"p{i}.png").pk for i in range(5)]
    client = admin_client_for(tenant_a)
    pages = [client.get(LIST, {"page": n}).json() for n in (1, 2, 3)]
    assert [p["pages"] for p in pages] == [3, 3, 3]
    assert [a["id"] for p in pages for a in p["results"]] == list(reversed(ids))
    for bad in ("4", "0", "x"):
        resp = client.get(LIST, {"page": bad})
        assert resp.status_code == 400 and resp.json()["field"] == "page", bad


def test_other_tenants_assets_never_show_nor_can_be_chosen(
    tenant_a, tenant_b, in_tenant, admin_client_for
) -> None:
    from mortar_api.cms.models import Partner
    from mortar_api.media.models import MediaAsset

    with in_tenant(tenant_b):
        secret = make_asset("b-secret.png", title="Secret of B")
    with in_tenant(tenant_a):
        MediaAsset.objects.filter(pk=secret.pk).delete()  # this id means nothing in A
        mine = make_asset("a-own.png", title="Own of A")
    client = admin_client_for(tenant_a)
    listed = client.get(LIST, {"q": "Secret"}).json()["results"]
    assert listed == []
    assert [a["title"] for a in client.get(LIST).json()["results"]] == ["Own of A"]

    form = {"name": "Partner", "url": "", "order": "0"}
    refused = client.post("/admin/cms/partner/add/", {**form, "logo": str(secret.pk)})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    ok = client.post("/admin/cms/partner/add/", {**form, "logo": str(mine.pk)})
    assert ok.status_code == 302
    with in_tenant(tenant_a):
        assert list(Partner.objects.values_list("logo_id", flat=True)) == [mine.pk]
    # and B's admin, on B's host, sees B's asset only
    seen_by_b = admin_client_for(tenant_b).get(LIST).json()["results"]
    assert [a["title"] for a in seen_by_b] == ["Secret of B"]


def test_upload_in_place(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.media.models import MediaAsset

    resp = admin_client_for(tenant_a).post(
        UPLOAD,
        {"file": SimpleUploadedFile("new.png", image_bytes()), "title": "New", "alt": "A red box"},
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["title"] == "New" and data["alt"] == "A red box"
    with in_tenant(tenant_a):
        asset = MediaAsset.objects.get(pk=data["id"])
        assert (asset.mime_type, asset.width) == ("image/png", 1000)
        assert asset.file.name.startswith("apitest_a/images/")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("evil.png", b"<?php echo 1; ?>" * 20), "Not a valid image"),
        (SimpleUploadedFile("empty.png", b""), "empty"),
        (None, "This field is required"),
    ],
)
def test_bad_upload_is_a_clear_error_and_saves_nothing(
    upload, message: str, tenant_a, in_tenant, admin_client_for
) -> None:
    from mortar_api.media.models import MediaAsset

    resp = admin_client_for(tenant_a).post(UPLOAD, {"file": upload} if upload else {})
    assert resp.status_code == 400
    errors = resp.json()["errors"]
    assert message in errors["file"][0]["message"]
    with in_tenant(tenant_a):
        assert not MediaAsset.objects.exists()


def test_too_large_upload_is_refused(tenant_a, in_tenant, admin_client_for, settings) -> None:
    from mortar_api.media.models import MediaAsset

    settings.MORTAR_MEDIA_MAX_UPLOAD_BYTES = 1000
    resp = admin_client_for(tenant_a).post(
        UPLOAD, {"file": SimpleUploadedFile("big.png", image_bytes())}
    )
    assert resp.status_code == 400
    assert "File too large" in resp.json()["errors"]["file"][0]["message"]
    with in_tenant(tenant_a):
        assert not MediaAsset.objects.exists()


def test_endpoints_are_for_staff_only(tenant_a, client_for) -> None:
    anonymous = client_for(tenant_a)
    assert anonymous.get(LIST).status_code == 302
    assert anonymous.post(UPLOAD, {}).status_code == 302


def test_wrong_methods_are_refused(tenant_a, admin_client_for) -> None:
    client = admin_client_for(tenant_a)
    assert client.get(UPLOAD).status_code == 405
    assert client.post(LIST, {}).status_code == 405
