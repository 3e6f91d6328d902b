"""History (django-auditlog): an entry for every change, from the admin, the editor API, a
Celery task and the shell; viewable per object and per tenant; never across tenants."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from cms.conftest import make_page, published
from cms.test_review import make_member


def entries_for(obj):
    from auditlog.models import LogEntry

    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk"))


def last_change(obj):
    return entries_for(obj)[-1]


@pytest.mark.django_db
def test_an_admin_change_names_the_user_and_the_fields(
    tenant_a, in_tenant, admin_client_for
) -> None:
    from django.contrib.auth import get_user_model

    with in_tenant(tenant_a):
        page = make_page("Before", body="<p>x</p>")
        admin_user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        assert entries_for(page)[0].action == 0  # created (no user: the shell)
    client = admin_client_for(tenant_a)
    resp = client.post(
        f"/admin/cms/page/{page.pk}/change/",
        {"title_en": "After <b>bold</b>", "title_ar": "بعد", "slug": "before", "order": "0"}
        | {"status": "draft"},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    with in_tenant(tenant_a):
        entry = last_change(page)
        assert entry.actor == admin_user and entry.action == 1  # update
        assert entry.changes_dict["title_en"] == ["Before", "After <b>bold</b>"]
        assert entry.changes_dict["title_ar"] == ["None", "بعد"]
        assert "title" not in entry.changes_dict  # modeltranslation's own column: not twice
        assert "updated_at" not in entry.changes_dict

    # the change form's History button: this page's entries, the markup escaped
    form = client.get(f"/admin/cms/page/{page.pk}/change/").content.decode()
    assert f'href="/admin/cms/page/{page.pk}/history/"' in form
    history = client.get(f"/admin/cms/page/{page.pk}/history/")
    html = history.content.decode()
    assert history.status_code == 200 and "Title [en]" in html
    assert "After &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert admin_user.username in html and "system" in html  # the shell-made creation
    # the whole tenant's log: auditlog's admin
    log = client.get("/admin/auditlog/logentry/").content.decode()
    assert "After &lt;b&gt;bold&lt;/b&gt;" in log or "Before" in log


@pytest.mark.django_db
def test_an_api_change_names_the_token_user_and_blocks_are_recorded(
    tenant_a, in_tenant, client_for
) -> None:
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import Hero
    from rest_framework.authtoken.models import Token

    editor = make_member(tenant_a, "hist-ed@a", "Editors")
    with tenant_context(tenant_a):
        key = Token.objects.create(user=editor).key
        page = make_page("Api page")
        hero = Hero.objects.create(name="h")
    api = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {key}")
    resp = api.patch(
        f"/api/v1/editor/pages/{page.pk}/",
        {"title_en": "Api page v2"},
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert (
        api.patch(
            f"/api/v1/editor/heroes/{hero.pk}/", {"title_en": "Hi"}, content_type="application/json"
        ).status_code
        == 200
    )
    with in_tenant(tenant_a):
        entry = last_change(page)
        assert entry.actor == editor and entry.changes_dict["title_en"] == [
            "Api page",
            "Api page v2",
        ]
        assert last_change(hero).actor == editor
        # a JSONField (blocks, per language) diffs as JSON text
        page.refresh_from_db()
        page.blocks_en = [{"type": "quote", "value": {"text": "Hello"}}]
        page.save()
        blocks = last_change(page).changes_dict["blocks_en"]
        assert json.loads(blocks[1]) == [{"type": "quote", "value": {"text": "Hello"}}]
        assert last_change(page).actor is None  # the shell: no user


@pytest.mark.django_db
def test_a_shell_change_of_every_content_model_leaves_an_entry(tenant_a, in_tenant) -> None:
    from auditlog.models import LogEntry
    from mortar_api.cms.models import FooterLink, MenuItem, Partner, Redirect, SiteSettings
    from mortar_api.media.models import MediaAsset

    with in_tenant(tenant_a):
        page = published("Shell page")
        item = MenuItem.objects.create(label_en="Shell", page=page)
        partner = Partner.objects.create(name="P")
        link = FooterLink.objects.create(key="k", label_en="K", route="/k/")
        redirect = Redirect.objects.create(old_path="/a/", new_path="/b/")
        site = SiteSettings.load()
        site.tagline_en = "Shell tagline"
        site.save()
        for obj in (page, item, partner, link, redirect, site):
            assert entries_for(obj), obj
            assert all(e.actor is None for e in entries_for(obj))
        assert last_change(site).changes_dict["tagline_en"][1] == "Shell tagline"
        page.delete()
        assert LogEntry.objects.filter(
            object_repr="Shell page", action=LogEntry.Action.DELETE
        ).exists()
        # MediaAsset is registered too (its admin gets the same History)
        from auditlog.registry import auditlog

        assert auditlog.contains(MediaAsset)
    # users: who was put in which group, never a password (hash)
    user = make_member(tenant_a, "hist-user@a", "Publishers")
    with in_tenant(tenant_a):
        changes = [e.changes_dict for e in entries_for(user)]
        assert changes and all("password" not in c and "last_login" not in c for c in changes)
        assert any("groups" in c for c in changes)


@pytest.mark.django_db
def test_history_never_crosses_tenants(tenant_a, tenant_b, in_tenant, admin_client_for) -> None:
    from auditlog.models import LogEntry

    with in_tenant(tenant_a):
        secret = make_page("Tenant A secret plan")
        entry_id = last_change(secret).pk
    with in_tenant(tenant_b):
        assert not LogEntry.objects.filter(object_repr__contains="secret plan").exists()
    b = admin_client_for(tenant_b)
    log = b.get("/admin/auditlog/logentry/?q=secret").content.decode()
    assert "secret plan" not in log
    detail = b.get(f"/admin/auditlog/logentry/{entry_id}/change/")
    assert b"secret plan" not in detail.content
    assert b.get(f"/admin/cms/page/{secret.pk}/history/").status_code == 404
    # and tenant a's admin sees it
    a = admin_client_for(tenant_a)
    assert "secret plan" in a.get("/admin/auditlog/logentry/?q=secret").content.decode()


@pytest.mark.django_db
def test_history_is_staff_only_and_needs_the_view_permission(
    tenant_a, in_tenant, client_for
) -> None:
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    with in_tenant(tenant_a):
        page = make_page("Private history")
    url = f"/admin/cms/page/{page.pk}/history/"
    assert client_for(tenant_a).get(url).status_code == 302  # to the login
    with tenant_context(tenant_a):
        nobody = get_user_model().objects.create_user(username="nobody@a", is_staff=True)
    client = client_for(tenant_a)
    with tenant_context(tenant_a):
        client.force_login(nobody)
    assert client.get(url).status_code == 403
    editor = make_member(tenant_a, "hist-ed2@a", "Editors")
    with tenant_context(tenant_a):
        client.force_login(editor)
    assert client.get(url).status_code == 200


@pytest.mark.worker
def test_a_celery_task_change_leaves_an_entry_without_a_user(
    celery_worker, committed_db, tenant_a, clear_cache
) -> None:
    """The real scheduled-publish task, run by a real worker, leaves a "system" entry."""
    from auditlog.models import LogEntry
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from mortar_api.celery import app
    from mortar_api.cms.models import Page

    with tenant_context(tenant_a):
        page = Page(
            title="Task page", slug="hist-task", publish_at=timezone.now() - timedelta(seconds=1)
        )
        page.save()
    try:
        with tenant_context(tenant_a):
            done = app.send_task("mortar_api.cms.tasks.publish_scheduled_pages").get(timeout=60)
        assert page.pk in done["published"]
        with tenant_context(tenant_a):
            deadline = time.monotonic() + 10
            while not LogEntry.objects.get_for_object(page).filter(action=1).exists():
                assert time.monotonic() < deadline, "no entry for the task's change"
                time.sleep(0.2)
            entry = LogEntry.objects.get_for_object(page).filter(action=1).latest("timestamp")
            assert entry.actor is None
            assert entry.changes_dict["status"] == ["draft", "published"]
    finally:
        with tenant_context(tenant_a):
            Page.objects.filter(pk=page.pk).delete()
            LogEntry.objects.get_for_object(page).delete()


@pytest.mark.django_db
def test_a_forged_forwarded_address_is_no_500_and_not_recorded(
    tenant_a, in_tenant, admin_client_for, editor_client
) -> None:
    """auditlog's own middleware stored the first X-Forwarded-For entry as sent: a value
    that is not an IP broke every save (inet column). The kit's records the trusted one."""
    import ipaddress

    with in_tenant(tenant_a):
        page = make_page("Forged")
    forged = {"HTTP_X_FORWARDED_FOR": "not-an-ip, 203.0.113.9"}
    resp = admin_client_for(tenant_a).post(
        f"/admin/cms/page/{page.pk}/change/",
        {"title_en": "Forged 2", "slug": "forged", "order": "0", "status": "draft"},
        **forged,
    )
    assert resp.status_code == 302
    api = editor_client(tenant_a).patch(
        f"/api/v1/editor/pages/{page.pk}/",
        {"title_en": "Forged 3"},
        content_type="application/json",
        **forged,
    )
    assert api.status_code == 200
    with in_tenant(tenant_a):
        entries = entries_for(page)[-2:]
        assert [e.changes_dict["title_en"][1] for e in entries] == ["Forged 2", "Forged 3"]
        for entry in entries:
            assert entry.actor is not None
            ipaddress.ip_address(entry.remote_addr)  # a real address
            assert entry.remote_addr != "not-an-ip"
