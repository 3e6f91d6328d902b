"""Editor lists: page-number pagination with a bounded page size, django-filter filters,
ordering; malformed parameters are a 400 naming them, a page past the last a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cms.conftest import make_page, published

pytestmark = pytest.mark.django_db


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.content
    return [item["id"] for item in resp.json()["results"]]


def test_lists_are_paginated_with_a_bounded_page_size(tenant_a, in_tenant, editor_client) -> None:
    with in_tenant(tenant_a):
        for n in range(3):
            make_page(f"Paged {n}", slug=f"paged-{n}")
    editor = editor_client(tenant_a)
    first = editor.get("/api/v1/editor/pages/?q=paged-&page_size=2").json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "page=2" in first["next"]
    second = editor.get("/api/v1/editor/pages/?q=paged-&page_size=2&page=2").json()
    assert len(second["results"]) == 1 and second["next"] is None
    past = editor.get("/api/v1/editor/pages/?q=paged-&page_size=2&page=3")
    assert past.status_code == 404 and past.json()["detail"]
    for params in ("page_size=201", "page_size=0", "page_size=abc", "page=0", "page=", "page=x"):
        resp = editor.get(f"/api/v1/editor/pages/?{params}")
        assert resp.status_code == 400 and params.split("=")[0] in resp.json()["errors"]
    # the default page size is 50, the maximum 200
    assert editor.get("/api/v1/editor/pages/?page_size=200").status_code == 200


def test_page_filters_and_ordering(tenant_a, in_tenant, editor_client) -> None:
    with in_tenant(tenant_a):
        root = published("Filter Root", slug="filter-root")
        child = make_page("Filter Child", slug="filter-child", parent=root)
        draft_root = make_page("Filter Draft", slug="filter-draft")
    editor = editor_client(tenant_a)
    base = "/api/v1/editor/pages/?q=filter-"
    assert sorted(_ids(editor.get(base))) == sorted([root.pk, child.pk, draft_root.pk])
    assert _ids(editor.get(f"{base}&status=published")) == [root.pk]
    assert _ids(editor.get(f"{base}&parent={root.pk}")) == [child.pk]
    assert sorted(_ids(editor.get(f"{base}&is_root=true"))) == sorted([root.pk, draft_root.pk])
    assert _ids(editor.get(f"{base}&is_root=false")) == [child.pk]
    assert _ids(editor.get(f"{base}&is_home=true")) == []
    assert _ids(editor.get("/api/v1/editor/pages/", {"q": "FILTER CHILD"})) == [child.pk]
    ordered = _ids(editor.get(f"{base}&ordering=-path"))
    assert ordered == [child.pk, root.pk, draft_root.pk]  # filter-root/filter-child first
    for bad in ("status=gone", "status=", "parent=x", "is_root=yes", "is_home=1", "ordering=title"):
        resp = editor.get(f"{base}&{bad}")
        assert resp.status_code == 400 and bad.split("=")[0] in resp.json()["errors"], bad
    assert editor.get(f"{base}&q={'x' * 201}").status_code == 400


def test_contact_submissions_by_date_and_mailed(tenant_a, in_tenant, editor_client) -> None:
    from django.utils import timezone
    from mortar_api.cms.models import ContactSubmission

    with in_tenant(tenant_a):
        old = ContactSubmission.objects.create(name="Old", email="o@x.test", message="hi")
        ContactSubmission.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=10), emailed_at=timezone.now()
        )
        new = ContactSubmission.objects.create(name="New", email="n@x.test", message="hi")
    editor = editor_client(tenant_a)
    day = (timezone.now() - timedelta(days=5)).date().isoformat()
    url = "/api/v1/editor/contact-submissions/"
    assert new.pk in _ids(editor.get(f"{url}?created_after={day}"))
    assert old.pk not in _ids(editor.get(f"{url}?created_after={day}"))
    assert _ids(editor.get(f"{url}?created_before={day}")) == [old.pk]
    assert old.pk in _ids(editor.get(f"{url}?emailed=true"))
    assert new.pk in _ids(editor.get(f"{url}?emailed=false&q=n@x"))
    for bad in ("created_after=10/01/2026", "created_after=2026-13-01", "created_before="):
        assert editor.get(f"{url}?{bad}").status_code == 400, bad


def test_other_lists_filter(tenant_a, in_tenant, editor_client) -> None:
    from mortar_api.cms.models import MenuItem, Redirect

    with in_tenant(tenant_a):
        page = published("Menu Target", slug="menu-target")
        item = MenuItem.objects.create(label="Footer Thing", page=page, location="footer")
        Redirect.objects.create(old_path="/gone-old/", new_path="/gone-new/", status_code=302)
    editor = editor_client(tenant_a)
    items = "/api/v1/editor/menu-items/"
    assert item.pk in _ids(editor.get(f"{items}?location=footer&page_id={page.pk}"))
    assert _ids(editor.get(f"{items}?location=header&page_id={page.pk}")) == []
    found = editor.get("/api/v1/editor/redirects/?q=gone-&status_code=302").json()["results"]
    assert [r["old_path"] for r in found] == ["/gone-old/"]
    assert editor.get("/api/v1/editor/redirects/?status_code=303").status_code == 400
    assert editor.get("/api/v1/editor/media/?mime_type=image/bmp").status_code == 400
    assert editor.get("/api/v1/editor/webhooks/?is_active=true").status_code == 200
    assert editor.get("/api/v1/editor/webhook-deliveries/?status=lost").status_code == 400
