"""Review before publish: the Editors and Publishers groups, in the admin and the editor API."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from cms.conftest import make_page, published

PASSWORD = "review-test-pw"


def make_member(tenant, username: str, group: str):
    """A staff user of ``tenant`` in one of the ready groups."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        user = get_user_model().objects.create_user(
            username=username, password=PASSWORD, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def session_of(client_for: Callable) -> Callable:
    """``session_of(tenant, user)`` -> an admin Client logged in as ``user``."""
    from django_tenants.utils import tenant_context

    def make(tenant, user):
        client = client_for(tenant)
        with tenant_context(tenant):
            client.force_login(user)
        return client

    return make


@pytest.fixture
def token_of(client_for: Callable) -> Callable:
    """``token_of(tenant, user)`` -> a Client sending ``user``'s API token."""
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    def make(tenant, user):
        with tenant_context(tenant):
            token, _ = Token.objects.get_or_create(user=user)
        return client_for(tenant, HTTP_AUTHORIZATION=f"Token {token.key}")

    return make


def perms_of(group) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


# --- the groups ------------------------------------------------------------------------


def test_a_new_tenant_has_both_groups_with_their_rights(make_tenant) -> None:
    from django.contrib.auth.models import Group
    from django_tenants.utils import tenant_context
    from mortar_api.accounts.groups import EDITOR_PERMISSIONS, PUBLISHER_PERMISSIONS

    tenant = make_tenant()  # cloned from the template, like production
    with tenant_context(tenant):
        editors = perms_of(Group.objects.get(name="Editors"))
        publishers = perms_of(Group.objects.get(name="Publishers"))
    assert editors == set(EDITOR_PERMISSIONS)
    assert publishers == set(PUBLISHER_PERMISSIONS)
    assert {"cms.add_page", "cms.change_page", "media.add_mediaasset"} <= editors
    assert "cms.publish_page" not in editors and "cms.delete_page" not in editors
    assert editors < publishers and "cms.publish_page" in publishers


def test_an_existing_tenant_gets_the_groups_on_migrate_and_keeps_additions(make_tenant) -> None:
    """The upgrade path: migrate_schemas (what migrate_tenants runs) on a tenant without
    the groups makes them; running again changes nothing and keeps what an admin added."""
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    tenant = make_tenant()
    with tenant_context(tenant):
        Group.objects.filter(name__in=["Editors", "Publishers"]).delete()
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    with tenant_context(tenant):
        editors = Group.objects.get(name="Editors")
        extra = Permission.objects.get(codename="view_webhook")
        editors.permissions.add(extra)
        before = perms_of(editors)
    call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=0)
    with tenant_context(tenant):
        assert Group.objects.filter(name__in=["Editors", "Publishers"]).count() == 2
        assert perms_of(Group.objects.get(name="Editors")) == before
        assert "webhooks.view_webhook" in before


# --- the admin -------------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_admin_has_no_publish_action_and_cannot_publish(
    tenant_a, in_tenant, session_of
) -> None:
    from mortar_api.cms.models import Page

    editor = make_member(tenant_a, "ed@a", "Editors")
    with in_tenant(tenant_a):
        draft = make_page("Draft one", body="<p>d</p>")
    client = session_of(tenant_a, editor)

    listing = client.get("/admin/cms/page/").content.decode()
    actions = set(re.findall(r'<option value="(\w+)"', listing))
    assert "submit_for_review" in actions and not actions & {"publish", "unpublish"}
    # posting the action anyway does nothing
    client.post(
        "/admin/cms/page/", {"action": "publish", "_selected_action": [draft.pk], "index": "0"}
    )
    # the form's publication fields are read-only: a posted status or schedule is ignored
    form = client.get(f"/admin/cms/page/{draft.pk}/change/").content.decode()
    assert 'name="status"' not in form and 'name="publish_at_0"' not in form
    resp = client.post(
        f"/admin/cms/page/{draft.pk}/change/",
        {
            "title_en": "Draft one edited",
            "slug": "draft-one",
            "body_en": "<p>d</p>",
            "order": "0",
            "status": "published",
            "publish_at_0": "2030-01-01",
            "publish_at_1": "00:00:00",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    with in_tenant(tenant_a):
        draft.refresh_from_db()
        assert draft.title_en == "Draft one edited"  # the edit itself was saved
        assert (draft.status, draft.publish_at, draft.approved_by) == ("draft", None, None)
        assert Page.objects.published().filter(pk=draft.pk).count() == 0


@pytest.mark.django_db
def test_editor_cannot_restore_or_change_a_live_page(tenant_a, in_tenant, session_of) -> None:
    editor = make_member(tenant_a, "ed2@a", "Editors")
    with in_tenant(tenant_a):
        draft = make_page("Restorable", body="<p>one</p>")
        draft.body_en = "<p>two</p>"
        draft.save()
        oldest = draft.revisions.last()
        live = published("Live page", body="<p>live</p>")
    client = session_of(tenant_a, editor)
    revisions = client.get(f"/admin/cms/page/{draft.pk}/revisions/")
    assert revisions.status_code == 200 and b"Restore" not in revisions.content
    restore = client.post(f"/admin/cms/page/{draft.pk}/revisions/{oldest.pk}/restore/")
    assert restore.status_code == 403
    # a live page: view only (no save button), and a posted change is refused
    view = client.get(f"/admin/cms/page/{live.pk}/change/")
    assert view.status_code == 200 and b'name="_save"' not in view.content
    post = client.post(
        f"/admin/cms/page/{live.pk}/change/",
        {"title_en": "Hacked", "slug": "live-page", "order": "0"},
    )
    assert post.status_code == 403
    with in_tenant(tenant_a):
        draft.refresh_from_db()
        live.refresh_from_db()
        assert draft.body_en == "<p>two</p>" and live.title_en == "Live page"


@pytest.mark.django_db
def test_submit_then_awaiting_review_then_publisher_publishes(
    tenant_a, in_tenant, session_of
) -> None:
    editor = make_member(tenant_a, "ed3@a", "Editors")
    publisher = make_member(tenant_a, "pub3@a", "Publishers")
    with in_tenant(tenant_a):
        draft = make_page("Press release", body="<p>news</p>")
    ed = session_of(tenant_a, editor)
    assert b"Nothing is awaiting review." in ed.get("/admin/").content

    resp = ed.post(
        f"/admin/cms/page/{draft.pk}/change/",
        {
            "title_en": "Press release",
            "slug": "press-release",
            "body_en": "<p>news</p>",
            "order": "0",
            "_submit_for_review": "1",
        },
    )
    assert resp.status_code == 302
    with in_tenant(tenant_a):
        draft.refresh_from_db()
        assert draft.review_requested_by == editor and draft.review_requested_at is not None
        assert draft.revisions.first().note == "submitted for review"

    pub = session_of(tenant_a, publisher)
    index = pub.get("/admin/").content.decode()
    block = index[index.index('id="awaiting-review"') :]
    assert f'href="/admin/cms/page/{draft.pk}/change/"' in block and "ed3@a" in block
    filtered = pub.get("/admin/cms/page/?review=awaiting").content.decode()
    assert "Press release" in filtered

    listing = pub.get("/admin/cms/page/").content.decode()
    assert 'value="publish"' in listing
    pub.post(
        "/admin/cms/page/", {"action": "publish", "_selected_action": [draft.pk], "index": "0"}
    )
    with in_tenant(tenant_a):
        draft.refresh_from_db()
        assert draft.is_published and draft.approved_by == publisher
    from django.contrib import admin
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        page_admin = admin.site._registry[Page]
        assert page_admin.review(draft) == f"Published; approved by {publisher}."
        seeded = published("Seeded")  # the welcome page: published with no approver
        assert page_admin.review(seeded) == "Published."
        assert draft.review_requested_at is None and draft.review_requested_by is None
    assert b"Nothing is awaiting review." in pub.get("/admin/").content


@pytest.mark.django_db
def test_publisher_publishing_in_the_form_records_approval(tenant_a, in_tenant, session_of) -> None:
    publisher = make_member(tenant_a, "pub4@a", "Publishers")
    with in_tenant(tenant_a):
        draft = make_page("Form publish")
    resp = session_of(tenant_a, publisher).post(
        f"/admin/cms/page/{draft.pk}/change/",
        {"title_en": "Form publish", "slug": "form-publish", "order": "0", "status": "published"},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    with in_tenant(tenant_a):
        draft.refresh_from_db()
        assert draft.is_published and draft.approved_by == publisher


@pytest.mark.django_db
def test_superuser_keeps_every_right(tenant_a, in_tenant, admin_client_for) -> None:
    with in_tenant(tenant_a):
        live = published("Super page")
    client = admin_client_for(tenant_a)
    listing = client.get("/admin/cms/page/").content.decode()
    assert {"publish", "unpublish", "submit_for_review"} <= set(
        re.findall(r'<option value="(\w+)"', listing)
    )
    assert b'name="_save"' in client.get(f"/admin/cms/page/{live.pk}/change/").content


# --- the editor API --------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_token_gets_403_on_publishing_and_can_submit(tenant_a, in_tenant, token_of) -> None:
    editor = make_member(tenant_a, "ed5@a", "Editors")
    with in_tenant(tenant_a):
        draft = make_page("Api draft")
        live = published("Api live")
        revision = draft.revisions.first()
    api = token_of(tenant_a, editor)
    base = f"/api/v1/editor/pages/{draft.pk}"

    for url in (
        f"{base}/publish/",
        f"/api/v1/editor/pages/{live.pk}/unpublish/",
        f"{base}/revisions/{revision.pk}/restore/",
    ):
        resp = api.post(url)
        assert resp.status_code == 403, url
        body = resp.json()
        assert set(body) == {"detail", "errors"} and "Publishers" in body["detail"]
    for field in ("publish_at", "unpublish_at"):
        resp = api.patch(
            f"{base}/", {field: "2031-01-01T00:00:00Z"}, content_type="application/json"
        )
        assert resp.status_code == 403 and "Publishers" in resp.json()["detail"], field
    created = api.post(
        "/api/v1/editor/pages/",
        {"title_en": "Scheduled", "slug": "sched", "publish_at": "2031-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert created.status_code == 403
    live_edit = api.patch(
        f"/api/v1/editor/pages/{live.pk}/", {"title_en": "X"}, content_type="application/json"
    )
    assert live_edit.status_code == 403 and "published" in live_edit.json()["detail"]
    assert api.delete(f"{base}/").status_code == 403

    # drafts: edit (sending back what was read is fine) and submit
    got = api.get(f"{base}/").json()
    got["title_en"] = "Api draft v2"
    edited = api.put(f"{base}/", got, content_type="application/json")
    assert edited.status_code == 200, edited.json()
    submitted = api.post(f"{base}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["review_requested_by"] == editor.pk
    assert submitted.json()["review_requested_at"] is not None
    again = api.post(f"/api/v1/editor/pages/{live.pk}/submit/")
    assert again.status_code == 409 and again.json()["detail"]
    with in_tenant(tenant_a):
        draft.refresh_from_db()
        live.refresh_from_db()
        assert draft.status == "draft" and draft.publish_at is None
        assert draft.title_en == "Api draft v2"
        assert live.is_published and live.title_en == "Api live"


@pytest.mark.django_db
def test_publisher_token_publishes_and_schedules_with_approval(
    tenant_a, in_tenant, token_of
) -> None:
    from mortar_api.cms.review import submit_for_review

    editor = make_member(tenant_a, "ed6@a", "Editors")
    publisher = make_member(tenant_a, "pub6@a", "Publishers")
    with in_tenant(tenant_a):
        draft = make_page("To publish")
        submit_for_review(draft, editor)
        later = make_page("To schedule")
        revision = draft.revisions.last()
    api = token_of(tenant_a, publisher)
    resp = api.post(f"/api/v1/editor/pages/{draft.pk}/publish/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "published" and body["approved_by"] == publisher.pk
    assert body["review_requested_at"] is None
    scheduled = api.patch(
        f"/api/v1/editor/pages/{later.pk}/",
        {"publish_at": "2031-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert scheduled.status_code == 200 and scheduled.json()["approved_by"] == publisher.pk
    restore = api.post(f"/api/v1/editor/pages/{draft.pk}/revisions/{revision.pk}/restore/")
    assert restore.status_code == 200
    unpublished = api.post(f"/api/v1/editor/pages/{draft.pk}/unpublish/")
    assert unpublished.json()["status"] == "draft" and unpublished.json()["approved_by"] is None


@pytest.mark.django_db
def test_groups_are_per_tenant(tenant_a, tenant_b, in_tenant, token_of) -> None:
    """A Publisher of tenant a is nobody in tenant b (users live in each tenant's schema)."""
    publisher = make_member(tenant_a, "pub7@a", "Publishers")
    with in_tenant(tenant_b):
        other = make_page("B draft")
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    with tenant_context(tenant_a):
        key = Token.objects.create(user=publisher).key
    from conftest import domain_of
    from django.test import Client

    resp = Client(HTTP_HOST=domain_of(tenant_b), HTTP_AUTHORIZATION=f"Token {key}").post(
        f"/api/v1/editor/pages/{other.pk}/publish/"
    )
    assert resp.status_code == 401
    with in_tenant(tenant_b):
        other.refresh_from_db()
        assert other.status == "draft"


@pytest.mark.django_db
def test_the_openapi_document_has_submit_and_says_who_publishes() -> None:
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    submit = paths["/api/v1/editor/pages/{id}/submit/"]["post"]
    assert "requestBody" not in submit
    assert {"200", "403", "404", "409"} <= set(submit["responses"])
    assert "review" in submit["description"]
    publish = paths["/api/v1/editor/pages/{id}/publish/"]["post"]
    assert "cms.publish_page" in publish["responses"]["403"]["description"]


@pytest.mark.django_db
def test_restoring_a_revision_keeps_the_review_state(tenant_a, in_tenant) -> None:
    from mortar_api.cms.review import publish, submit_for_review
    from mortar_api.cms.revisions import restore_revision

    editor = make_member(tenant_a, "ed8@a", "Editors")
    publisher = make_member(tenant_a, "pub8@a", "Publishers")
    with in_tenant(tenant_a):
        page = make_page("Reviewed", body="<p>one</p>")
        submit_for_review(page, editor)
        submitted = page.revisions.first()
        assert submitted.note == "submitted for review"
        publish(page, publisher, "published")
        restore_revision(submitted, user=publisher)
        page.refresh_from_db()
        assert page.review_requested_at is None and page.approved_by == publisher
