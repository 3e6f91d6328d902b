"""Draft preview by signed, expiring, tenant-bound token."""

from __future__ import annotations

import pytest
from cms.conftest import make_page

pytestmark = pytest.mark.django_db


def _token(tenant, page_id: int) -> str:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.preview import make_token

    with tenant_context(tenant):
        return make_token(page_id)


def test_valid_token_shows_the_draft(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        page = make_page("Draft", body="<p>soon</p>", title_ar="مسودة")
    token = _token(tenant_a, page.pk)
    resp = client_for(tenant_a).get(f"/api/v1/preview/{token}/")
    assert resp.status_code == 200
    assert resp.json()["title"] == "Draft" and resp.json()["body"] == "<p>soon</p>"
    assert resp["Cache-Control"] == "no-store"
    ar = client_for(tenant_a).get(f"/api/v1/preview/{token}/?lang=ar")
    assert ar.json()["title"] == "مسودة" and ar["Content-Language"] == "ar"
    # the draft stays invisible to the public API
    assert client_for(tenant_a).get("/api/v1/pages/draft/").status_code == 404


def test_expired_token(tenant_a, in_tenant, client_for, settings) -> None:
    with in_tenant(tenant_a):
        page = make_page("Draft")
    token = _token(tenant_a, page.pk)
    settings.MORTAR_PREVIEW_MAX_AGE = -1  # every token is older than that
    resp = client_for(tenant_a).get(f"/api/v1/preview/{token}/")
    assert resp.status_code == 404 and resp.json()["detail"].startswith("Preview link")


def test_tampered_token(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        page = make_page("Draft")
        other = make_page("Other")
    token = _token(tenant_a, page.pk)
    forged = _token(tenant_a, other.pk).split(":")[0] + ":" + ":".join(token.split(":")[1:])
    for bad in [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        forged,
        "garbage",
        "a:b:c",
    ]:
        assert client_for(tenant_a).get(f"/api/v1/preview/{bad}/").status_code == 404


def test_token_of_another_tenant(tenant_a, tenant_b, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        page = make_page("A draft")
    with in_tenant(tenant_b):
        make_page("B draft")  # may even have the same id
    token = _token(tenant_a, page.pk)
    assert client_for(tenant_b).get(f"/api/v1/preview/{token}/").status_code == 404


def test_admin_builds_preview_link(tenant_a, in_tenant, client_for, admin_client_for) -> None:
    with in_tenant(tenant_a):
        make_page("Draft")
    client = admin_client_for(tenant_a)
    html = client.get("/admin/cms/page/").content.decode()
    assert 'href="//a.apitest.localhost/__preview/' in html
    with in_tenant(tenant_a):
        from mortar_api.cms.models import Page

        pk = Page.objects.get(slug="draft").pk
    form = client.get(f"/admin/cms/page/{pk}/change/").content.decode()
    token = form.split('href="//a.apitest.localhost/__preview/')[1].split("/")[0]
    assert client_for(tenant_a).get(f"/api/v1/preview/{token}/").json()["title"] == "Draft"
