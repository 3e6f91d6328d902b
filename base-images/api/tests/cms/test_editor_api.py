"""Editor API: token auth, CRUD, publish/unpublish, revisions, and no stale public page."""

from __future__ import annotations

import pytest
from cms.conftest import make_page, published

pytestmark = pytest.mark.django_db


def test_requires_token_and_staff(tenant_a, in_tenant, client_for) -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    anon = client_for(tenant_a).get("/api/v1/editor/pages/")
    assert anon.status_code in (401, 403) and anon.json()["detail"]
    with in_tenant(tenant_a):
        user = get_user_model().objects.create_user("visitor", password="pw-123456789")
        token = Token.objects.create(user=user)
    resp = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {token.key}").get(
        "/api/v1/editor/pages/"
    )
    assert resp.status_code == 403
    bad = client_for(tenant_a, HTTP_AUTHORIZATION="Token nope").get("/api/v1/editor/pages/")
    assert bad.status_code == 401 and bad.json()["detail"]


def test_token_of_one_tenant_is_useless_on_another(tenant_a, tenant_b, editor_client, client_for):
    a = editor_client(tenant_a)
    assert a.get("/api/v1/editor/pages/").status_code == 200
    header = a.defaults["HTTP_AUTHORIZATION"]
    assert (
        client_for(tenant_b, HTTP_AUTHORIZATION=header).get("/api/v1/editor/pages/").status_code
        == 401
    )


def test_crud_publish_and_no_stale_public_page(tenant_a, editor_client, client_for) -> None:
    editor, public = editor_client(tenant_a), client_for(tenant_a)
    created = editor.post(
        "/api/v1/editor/pages/",
        {
            "title_en": "News",
            "title_ar": "أخبار",
            "slug": "news",
            "body_en": "<p>v1</p><script>x</script>",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    page = created.json()
    assert page["status"] == "draft" and page["path"] == "news"
    assert page["body_en"] == "<p>v1</p>"
    assert page["preview_url"].startswith("//a.apitest.localhost/__preview/")

    assert public.get("/api/v1/pages/news/").status_code == 404  # cached as 404 now
    assert public.get("/api/v1/pages/news/")["X-Mortar-Cache"] == "hit"
    assert (
        editor.post(f"/api/v1/editor/pages/{page['id']}/publish/").json()["status"] == "published"
    )
    fresh = public.get("/api/v1/pages/news/")
    assert fresh.status_code == 200 and fresh.json()["body"] == "<p>v1</p>"

    edited = editor.patch(
        f"/api/v1/editor/pages/{page['id']}/",
        {"body_en": "<p>v2</p>"},
        content_type="application/json",
    )
    assert edited.status_code == 200
    assert public.get("/api/v1/pages/news/").json()["body"] == "<p>v2</p>"  # not the cached v1

    assert editor.post(f"/api/v1/editor/pages/{page['id']}/unpublish/").json()["status"] == "draft"
    assert public.get("/api/v1/pages/news/").status_code == 404
    assert editor.delete(f"/api/v1/editor/pages/{page['id']}/").status_code == 204


def test_content_change_bumps_web_generation_for_every_domain(tenant_a, in_tenant, editor_client):
    from django.conf import settings
    from mortar_api.cms.caching import redis_client

    keys = [f"{settings.MORTAR_REDIS_PREFIX}:gen:{d.domain}" for d in tenant_a.domains.all()]
    assert len(keys) == 2
    before = [int(redis_client().get(k) or 0) for k in keys]
    resp = editor_client(tenant_a).post(
        "/api/v1/editor/footer-links/",
        {"key": "terms", "label_en": "Terms", "route": "/terms/"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.json()
    after = [int(redis_client().get(k) or 0) for k in keys]
    assert all(a > b for a, b in zip(after, before, strict=True))


def test_menu_change_invalidates_site(tenant_a, in_tenant, editor_client, client_for) -> None:
    with in_tenant(tenant_a):
        about = published("About")
    public = client_for(tenant_a)
    assert public.get("/api/v1/site/").json()["menus"]["header"] == []
    resp = editor_client(tenant_a).post(
        "/api/v1/editor/menu-items/",
        {"label_en": "About", "page": about.pk},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.json()
    assert [i["label"] for i in public.get("/api/v1/site/").json()["menus"]["header"]] == ["About"]


def test_created_link_is_not_sent_as_location(tenant_a, editor_client) -> None:
    """A menu item's own link is its "url" field, which DRF would send as the Location of
    the created object: gunicorn refuses a header with control or non-Latin-1 characters
    and answered 500 to a saved item (found by the contract tier)."""
    resp = editor_client(tenant_a).post(
        "/api/v1/editor/menu-items/",
        {"label_en": "Odd", "location": "footer", "url": "X\u00fb\U000fc89a\u0086\u000bhl"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.json()
    assert resp.json()["url"] == "X\u00fb\U000fc89a\u0086\u000bhl"
    assert "Location" not in resp


def test_a_page_deleted_while_being_edited_is_404_not_500(tenant_a, in_tenant) -> None:
    """Two editors: one deletes the page after the other's PATCH read it (the view's
    get_object) and before its validation re-reads it. Found by the contract tier's
    concurrent workers; the serializer is run here as the view runs it, on the real DB."""
    from mortar_api.cms.editor import PageEditorSerializer
    from mortar_api.cms.models import Page
    from rest_framework.exceptions import NotFound

    with in_tenant(tenant_a):
        page = make_page("Doomed", slug="doomed")
        serializer = PageEditorSerializer(instance=page, data={"title_en": "Saved"}, partial=True)
        Page.objects.filter(pk=page.pk).delete()
        with pytest.raises(NotFound):
            serializer.is_valid(raise_exception=True)


def test_validation_errors_400_409_422_with_fields(tenant_a, in_tenant, editor_client) -> None:
    """400: does not match the document; 409: a duplicate; 422: a content rule."""
    with in_tenant(tenant_a):
        make_page("Taken", slug="taken")
    editor = editor_client(tenant_a)
    dup = editor.post(
        "/api/v1/editor/pages/", {"title_en": "X", "slug": "taken"}, content_type="application/json"
    )
    assert dup.status_code == 409 and dup.json()["errors"]
    untitled = editor.post(
        "/api/v1/editor/pages/", {"slug": "untitled"}, content_type="application/json"
    )
    assert untitled.status_code == 400 and "title_en" in untitled.json()["errors"]
    menu = editor.post(
        "/api/v1/editor/menu-items/", {"label_en": "Nowhere"}, content_type="application/json"
    )
    assert menu.status_code == 422 and menu.json()["errors"]["non_field_errors"]
    # both kinds in one request: the shape error decides (400), every error is listed
    mixed = editor.post(
        "/api/v1/editor/pages/", {"title_en": 5, "slug": "taken"}, content_type="application/json"
    )
    assert mixed.status_code == 400 and "title_en" in mixed.json()["errors"]
    settings = editor.patch(
        "/api/v1/editor/settings/", {"social_links": [{"net": 1}]}, content_type="application/json"
    )
    assert settings.status_code == 400 and "social_links" in settings.json()["errors"]
    ok = editor.patch(
        "/api/v1/editor/settings/", {"site_name_en": "Acme"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["site_name_en"] == "Acme"


def test_second_home_moves_the_flag(tenant_a, in_tenant, editor_client) -> None:
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        first = published("First", is_home=True)
    resp = editor_client(tenant_a).post(
        "/api/v1/editor/pages/", {"title_en": "Second", "slug": "second", "is_home": True},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 201, resp.json()
    with in_tenant(tenant_a):
        assert list(Page.objects.filter(is_home=True).values_list("slug", flat=True)) == ["second"]
        first.refresh_from_db()
        assert not first.is_home


def test_revisions_and_restore_via_api(tenant_a, in_tenant, editor_client, client_for) -> None:
    with in_tenant(tenant_a):
        page = published("Story", body="<p>first</p>")
    editor = editor_client(tenant_a)
    editor.patch(
        f"/api/v1/editor/pages/{page.pk}/",
        {"body_en": "<p>second</p>"},
        content_type="application/json",
    )
    revisions = editor.get(f"/api/v1/editor/pages/{page.pk}/revisions/").json()
    assert len(revisions) == 2
    oldest = revisions[-1]
    assert oldest["data"]["body_en"] == "<p>first</p>"
    assert client_for(tenant_a).get("/api/v1/pages/story/").json()["body"] == "<p>second</p>"
    restored = editor.post(f"/api/v1/editor/pages/{page.pk}/revisions/{oldest['id']}/restore/")
    assert restored.status_code == 200 and restored.json()["body_en"] == "<p>first</p>"
    assert client_for(tenant_a).get("/api/v1/pages/story/").json()["body"] == "<p>first</p>"
    assert len(editor.get(f"/api/v1/editor/pages/{page.pk}/revisions/").json()) == 3
    assert (
        editor.post(f"/api/v1/editor/pages/{page.pk}/revisions/999999/restore/").status_code == 404
    )


def test_cache_key_ignores_junk_query_and_header_spelling(tenant_a, in_tenant, client_for) -> None:
    with in_tenant(tenant_a):
        published("About", title_ar="من نحن")
    client = client_for(tenant_a)
    assert client.get("/api/v1/pages/about/?lang=ar")["X-Mortar-Cache"] == "miss"
    # the same resolved language and the same page: one cache entry
    again = client.get("/api/v1/pages/about/?utm=1&x=2", HTTP_ACCEPT_LANGUAGE="ar-SA,ar;q=0.9")
    assert again["X-Mortar-Cache"] == "hit" and again.json()["title"] == "من نحن"
    assert client.get("/api/v1/pages/about/?lang=en")["X-Mortar-Cache"] == "miss"
    assert client.get("/api/v1/pages/?page=1")["X-Mortar-Cache"] == "miss"
    assert client.get("/api/v1/pages/?page=2")["X-Mortar-Cache"] == "miss"  # in the key


def test_deleting_a_parent_page_is_409_not_500(tenant_a, in_tenant, editor_client) -> None:
    with in_tenant(tenant_a):
        parent = published("Parent")
        published("Child", parent=parent)
    resp = editor_client(tenant_a).delete(f"/api/v1/editor/pages/{parent.pk}/")
    assert resp.status_code == 409 and "page" in resp.json()["detail"]


def test_redirect_paths_normalised_before_uniqueness(tenant_a, editor_client) -> None:
    editor = editor_client(tenant_a)

    def post(old: str):
        body = {"old_path": old, "new_path": "/new/"}
        return editor.post("/api/v1/editor/redirects/", body, content_type="application/json")

    first = post("old")
    assert first.status_code == 201 and first.json()["old_path"] == "/old/"
    dup = post("/old/")
    assert dup.status_code == 409 and "old_path" in dup.json()["errors"]
    loop = editor.post(
        "/api/v1/editor/redirects/",
        {"old_path": "/x", "new_path": "/x/"},
        content_type="application/json",
    )
    assert loop.status_code == 422 and "new_path" in loop.json()["errors"]
    # characters str.strip() removes (found by the contract fuzzer) leave no path at all
    for blank in ("\x1f", " \x1c ", "\u2028"):
        empty = post(blank)
        assert empty.status_code in (400, 422) and "old_path" in empty.json()["errors"], blank
    assert editor.get("/api/v1/editor/redirects/").json()["count"] == 1


def test_page_cycle_and_schedule_validation(tenant_a, in_tenant, editor_client) -> None:
    with in_tenant(tenant_a):
        a = published("A")
        b = published("B", parent=a)
    editor = editor_client(tenant_a)
    cycle = editor.patch(
        f"/api/v1/editor/pages/{a.pk}/", {"parent": b.pk}, content_type="application/json"
    )
    assert cycle.status_code == 422 and "parent" in cycle.json()["errors"]
    window = editor.patch(
        f"/api/v1/editor/pages/{a.pk}/",
        {"publish_at": "2030-01-02T00:00:00Z", "unpublish_at": "2030-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert window.status_code == 422 and "unpublish_at" in window.json()["errors"]


def test_second_home_is_valid_in_forms_too(tenant_a, in_tenant) -> None:
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        published("Old home", is_home=True)
        page = Page(title="New home", slug="new-home", is_home=True)
        page.full_clean(exclude=["path"])  # what the admin form runs
        page.save()
        assert list(Page.objects.filter(is_home=True).values_list("slug", flat=True)) == [
            "new-home"
        ]


def test_schema_context_changes_bump_web_generation_too(tenant_a) -> None:
    from django.conf import settings
    from django_tenants.utils import schema_context
    from mortar_api.cms.caching import redis_client
    from mortar_api.cms.models import Partner

    key = f"{settings.MORTAR_REDIS_PREFIX}:gen:a.apitest.localhost"
    before = int(redis_client().get(key) or 0)
    with schema_context("apitest_a"):  # e.g. a management command, no request
        Partner.objects.create(name="Shell")
    assert int(redis_client().get(key) or 0) > before


def test_one_after_commit_bump_per_transaction(
    tenant_a, in_tenant, django_capture_on_commit_callbacks
) -> None:
    """Many content saves in one transaction: each bumps at once, one bump after commit."""
    from django.conf import settings
    from mortar_api.cms.caching import redis_client
    from mortar_api.cms.models import Partner

    key = f"{settings.MORTAR_REDIS_PREFIX}:gen:a.apitest.localhost"
    before = int(redis_client().get(key) or 0)
    with in_tenant(tenant_a), django_capture_on_commit_callbacks(execute=True) as callbacks:
        for name in ("P1", "P2", "P3"):
            Partner.objects.create(name=name)
    assert len(callbacks) == 1
    assert int(redis_client().get(key) or 0) - before >= 4  # 3 at once + 1 after commit
