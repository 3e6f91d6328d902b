"""Revision history in the model and the admin; every admin page of the content renders."""

from __future__ import annotations

import pytest
from cms.conftest import make_page, published

pytestmark = pytest.mark.django_db


def test_revision_on_change_only(tenant_a, in_tenant) -> None:
    with in_tenant(tenant_a):
        page = make_page("T", body="<p>1</p>")
        page.save()  # nothing changed: no new revision
        assert page.revisions.count() == 1
        page.body = "<p>2</p>"
        page.save(revision_note="second")
        assert [r.note for r in page.revisions.all()] == ["second", ""]


def test_restore_keeps_publication_state(tenant_a, in_tenant) -> None:
    from mortar_api.cms.revisions import restore_revision

    with in_tenant(tenant_a):
        page = make_page("Old title", body="<p>old</p>")
        first = page.revisions.get()
        page.title_en, page.body_en, page.status = "New title", "<p>new</p>", "published"
        page.save()
        restore_revision(first)
        page.refresh_from_db()
        assert (page.title_en, page.body_en, page.status) == (
            "Old title",
            "<p>old</p>",
            "published",
        )
        assert page.revisions.first().note == f"restored revision #{first.pk}"


def test_admin_revision_list_and_restore(tenant_a, in_tenant, client_for, admin_client_for) -> None:
    with in_tenant(tenant_a):
        page = published("Story", body="<p>one</p>")
        page.body_en = "<p>two</p>"
        page.save()
        oldest = page.revisions.last()
    client = admin_client_for(tenant_a)
    listing = client.get(f"/admin/cms/page/{page.pk}/revisions/")
    assert listing.status_code == 200 and b"Restore" in listing.content
    url = f"/admin/cms/page/{page.pk}/revisions/{oldest.pk}/restore/"
    assert client.get(url).status_code == 403  # restoring needs a POST
    resp = client.post(url)
    assert resp.status_code == 302
    assert client_for(tenant_a).get("/api/v1/pages/story/").json()["body"] == "<p>one</p>"


def test_every_content_admin_page_renders(
    tenant_a, in_tenant, client_for, admin_client_for
) -> None:
    with in_tenant(tenant_a):
        page = published("P")
    client = admin_client_for(tenant_a)
    for model in [
        "cms/sitesettings", "cms/page", "cms/hero", "cms/menuitem", "cms/partner", "cms/footerlink",
        "cms/redirect", "cms/contactsubmission", "media/mediaasset", "webhooks/webhook",
        "webhooks/webhookdelivery",
    ]:  # fmt: skip
        assert client.get(f"/admin/{model}/").status_code == 200, model
        if model not in {"cms/contactsubmission", "webhooks/webhookdelivery"}:
            assert client.get(f"/admin/{model}/add/").status_code == 200, model
    assert client.get(f"/admin/cms/page/{page.pk}/change/").status_code == 200
    assert client.get("/admin/cms/page/?q=P&status__exact=published").status_code == 200


def test_admin_publish_action(tenant_a, in_tenant, client_for, admin_client_for) -> None:
    with in_tenant(tenant_a):
        page = make_page("Later")
    client = admin_client_for(tenant_a)
    assert client.get("/api/v1/pages/later/").status_code == 404
    resp = client.post("/admin/cms/page/", {"action": "publish", "_selected_action": [page.pk]})
    assert resp.status_code == 302
    assert client.get("/api/v1/pages/later/").status_code == 200
