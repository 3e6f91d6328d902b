"""The page tree in the admin: depth-first list, add child page, and moving pages.

A move goes through ``<id>/move/`` (what the drag and drop script posts): paths of the page
and its sub-pages, sibling orders, revisions, 301s from the old addresses and the public
cache must all be right afterwards; a refused move changes nothing.
"""

from __future__ import annotations

import re

import pytest
from cms.conftest import make_page, published

pytestmark = pytest.mark.django_db

NODE = re.compile(
    r'<span class="page-tree-node" data-page="(\d+)" data-parent="(\d*)" data-depth="(\d+)"'
    r'[^>]*style="--page-tree-depth: (\d+)"'
)


def _tree(html: str) -> list[tuple[int, int]]:
    """(page id, depth) of each row, in list order; checks the indentation matches."""
    rows = []
    for pk, _parent, depth, indent in NODE.findall(html):
        assert depth == indent
        rows.append((int(pk), int(depth)))
    return rows


def _move(client, page, parent=None, position=None):
    data = {"parent": "" if parent is None else parent.pk}
    if position is not None:
        data["position"] = position
    return client.post(f"/admin/cms/page/{page.pk}/move/", data)


def _state():
    """Everything a move may change: (path, parent, order) per page, redirects, revisions."""
    from mortar_api.cms.models import Page, PageRevision, Redirect

    pages = sorted(Page.objects.values_list("pk", "path", "parent_id", "order"))
    redirects = sorted(Redirect.objects.values_list("old_path", "new_path"))
    return pages, redirects, PageRevision.objects.count()


def _build(in_tenant, tenant):
    """about(0) > [team(0) > [deep(0), wip (draft)(1)], jobs(1)]; news(1) > [one(0), two(1)]."""
    with in_tenant(tenant):
        p = {}
        p["about"] = published("About", order=0)
        p["team"] = published("Team", parent=p["about"], order=0)
        p["deep"] = published("Deep", parent=p["team"], order=0)
        p["wip"] = make_page("Wip", parent=p["team"], order=1)
        p["jobs"] = published("Jobs", parent=p["about"], order=1)
        p["news"] = published("News", order=1)
        p["one"] = published("One", parent=p["news"], order=0)
        p["two"] = published("Two", parent=p["news"], order=1)
        return p


def test_changelist_shows_the_tree(tenant_a, in_tenant, admin_client_for) -> None:
    with in_tenant(tenant_a):
        news = published("News", order=1)
        about = published("About", order=0)
        two = published("Two", parent=news, order=1)
        one = published("One", parent=news, order=0)
        team = published("Team", parent=about)
    client = admin_client_for(tenant_a)
    resp = client.get("/admin/cms/page/")
    assert resp.status_code == 200
    html = resp.content.decode()
    # each page right after its parent (siblings by order), indented one step per level
    assert _tree(html) == [(about.pk, 0), (team.pk, 1), (news.pk, 0), (one.pk, 1), (two.pk, 1)]
    assert f'href="/admin/cms/page/add/?parent={news.pk}"' in html  # "Add child page"
    assert "mortar_cms/page_tree.js" in html and "mortar_cms/page_tree.css" in html
    assert "Revisions" in html  # PageAdmin's own columns stay

    # search, filters and sorting still work (a search or a sorted list is flat: a search
    # is ranked, cms.search; no drag and drop there)
    found = client.get("/admin/cms/page/?q=Team")
    assert [p.pk for p in found.context["cl"].result_list] == [team.pk]
    assert "page-tree-node" not in found.content.decode()
    assert "page_tree.js" not in found.content.decode()
    filtered = client.get(f"/admin/cms/page/?parent__id__exact={news.pk}").content.decode()
    assert sorted(pk for pk, _d in _tree(filtered)) == sorted([one.pk, two.pk])
    facets = client.get("/admin/cms/page/?_facets=True&status__exact=published")
    assert facets.status_code == 200 and len(_tree(facets.content.decode())) == 5
    flat = client.get("/admin/cms/page/?o=1").content.decode()
    assert "page-tree-node" not in flat and "News" in flat
    popup = client.get("/admin/cms/page/?_popup=1").content.decode()
    assert "page-tree-node" not in popup and "page_tree.js" not in popup

    # "Add child page" opens the add form with the parent chosen, ordered last
    add = client.get(f"/admin/cms/page/add/?parent={news.pk}")
    assert add.status_code == 200
    form = add.context["adminform"].form
    assert str(form.initial["parent"]) == str(news.pk) and form.initial["order"] == 2


def test_move_under_another_parent(tenant_a, in_tenant, client_for, admin_client_for) -> None:
    from django.contrib.admin.models import LogEntry
    from mortar_api.cms.models import Page, Redirect

    p = _build(in_tenant, tenant_a)
    public = client_for(tenant_a)
    assert public.get("/api/v1/pages/about/team/deep/").status_code == 200
    assert public.get("/api/v1/pages/about/team/deep/")["X-Mortar-Cache"] == "hit"
    assert public.get("/api/v1/pages/news/team/deep/").status_code == 404  # cached 404

    resp = _move(admin_client_for(tenant_a), p["team"], p["news"], position=1)
    assert resp.status_code == 200, resp.content
    assert resp.json()["ok"] is True and resp.json()["path"] == "news/team"

    with in_tenant(tenant_a):
        paths = dict(Page.objects.values_list("slug", "path"))
        assert paths["team"] == "news/team"
        assert paths["deep"] == "news/team/deep" and paths["wip"] == "news/team/wip"
        orders = dict(Page.objects.values_list("slug", "order"))
        assert (orders["one"], orders["team"], orders["two"]) == (0, 1, 2)  # renumbered
        assert orders["jobs"] == 0  # the old siblings close the gap
        # a 301 from each published page's old address; none for the draft
        assert sorted(Redirect.objects.values_list("old_path", "new_path", "status_code")) == [
            ("/about/team/", "/news/team/", 301),
            ("/about/team/deep/", "/news/team/deep/", 301),
        ]
        team = Page.objects.get(slug="team")
        revision = team.revisions.first()
        assert revision.note == "moved in the page tree" and revision.created_by.is_superuser
        assert revision.data["parent_id"] == p["news"].pk and revision.data["order"] == 1
        assert LogEntry.objects.filter(object_id=str(team.pk)).exists()

    # the public API serves the new address at once, and resolves the old one
    assert public.get("/api/v1/pages/news/team/deep/").status_code == 200
    assert public.get("/api/v1/pages/about/team/deep/").status_code == 404
    resolved = public.get("/api/v1/redirects/resolve/?path=/about/team/deep/").json()
    assert resolved == {"from": "/about/team/deep/", "to": "/news/team/deep/", "status": 301}
    children = [c["path"] for c in public.get("/api/v1/pages/news/").json()["children"]]
    assert children == ["news/one", "news/team", "news/two"]  # in the new order


def test_reorder_siblings_and_move_to_top_level(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.cms.models import Page

    p = _build(in_tenant, tenant_a)
    client = admin_client_for(tenant_a)
    assert _move(client, p["two"], p["news"], position=0).status_code == 200
    with in_tenant(tenant_a):
        assert list(p["news"].children.values_list("slug", "order")) == [("two", 0), ("one", 1)]
    # past the end means last; no parent means the top level
    assert _move(client, p["jobs"], None, position=99).status_code == 200
    with in_tenant(tenant_a):
        jobs = Page.objects.get(pk=p["jobs"].pk)
        assert (jobs.path, jobs.parent_id, jobs.order) == ("jobs", None, 2)
    html = client.get("/admin/cms/page/").content.decode()
    assert [pk for pk, _d in _tree(html)][-1] == p["jobs"].pk


def test_move_back_makes_no_redirect_loop(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.cms.models import Redirect

    p = _build(in_tenant, tenant_a)
    with in_tenant(tenant_a):
        Redirect.objects.create(old_path="/old-jobs/", new_path="/about/jobs/")  # chain target
        Redirect.objects.create(old_path="/news/one/", new_path="/elsewhere/")  # taken old path
    client = admin_client_for(tenant_a)
    assert _move(client, p["jobs"], p["news"]).status_code == 200
    assert _move(client, p["one"], p["about"]).status_code == 200
    with in_tenant(tenant_a):
        redirects = dict(Redirect.objects.values_list("old_path", "new_path"))
    assert redirects["/old-jobs/"] == "/news/jobs/"  # no chain through /about/jobs/
    assert redirects["/about/jobs/"] == "/news/jobs/"
    assert redirects["/news/one/"] == "/elsewhere/"  # an existing redirect is left alone

    assert _move(client, p["one"], p["news"]).status_code == 200  # and back again
    with in_tenant(tenant_a):
        redirects = dict(Redirect.objects.values_list("old_path", "new_path"))
    assert "/news/one/" not in redirects  # the page lives there again
    assert redirects["/about/one/"] == "/news/one/"
    # never a redirect from an address a page lives at, so never a loop
    assert not any(new in redirects and redirects[new] == old for old, new in redirects.items())


def test_slug_change_of_a_published_page_redirects(tenant_a, in_tenant) -> None:
    from mortar_api.cms.models import Redirect

    with in_tenant(tenant_a):
        page = published("Old name", slug="old-name")
        draft = make_page("Draft", slug="draft")
        page.slug, draft.slug = "new-name", "draft-2"
        page.save()
        draft.save()
        assert list(Redirect.objects.values_list("old_path", "new_path")) == [
            ("/old-name/", "/new-name/")
        ]


def test_refused_moves_change_nothing(tenant_a, in_tenant, admin_client_for) -> None:
    p = _build(in_tenant, tenant_a)
    with in_tenant(tenant_a):
        clash = make_page("Another team", slug="team", parent=p["news"])
        before = _state()
    client = admin_client_for(tenant_a)

    for target in (p["team"], p["deep"]):  # under itself, under its own sub-page
        resp = _move(client, p["team"], target)
        assert resp.status_code == 400
        assert "cannot be moved under itself or one of its sub-pages" in resp.json()["error"]
        assert list(resp.json()["errors"]) == ["parent"]

    resp = _move(client, p["team"], p["news"])
    assert resp.status_code == 400
    assert resp.json()["error"].startswith("“News” already has a page with the slug “team”")

    bad_parent = client.post(f"/admin/cms/page/{p['team'].pk}/move/", {"parent": 999999})
    assert bad_parent.status_code == 400 and "parent" in bad_parent.json()["errors"]
    bad_position = client.post(
        f"/admin/cms/page/{p['team'].pk}/move/", {"parent": p["news"].pk, "position": -1}
    )
    assert bad_position.status_code == 400 and "position" in bad_position.json()["errors"]
    assert client.get(f"/admin/cms/page/{p['team'].pk}/move/").status_code == 405
    assert client.post("/admin/cms/page/999999/move/", {"parent": ""}).status_code == 404

    with in_tenant(tenant_a):
        assert _state() == before
        clash.refresh_from_db()
        assert clash.path == "news/team"


def test_move_needs_the_change_permission(tenant_a, in_tenant, client_for) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    p = _build(in_tenant, tenant_a)
    with in_tenant(tenant_a):
        viewer = get_user_model().objects.create_user("viewer", password="pw-123456789")
        viewer.is_staff = True
        viewer.save()
        viewer.user_permissions.add(Permission.objects.get(codename="view_page"))
        before = _state()
    client = client_for(tenant_a)
    assert _move(client, p["team"], p["news"]).status_code == 302  # not logged in: login page
    with in_tenant(tenant_a):
        client.force_login(viewer)
    refused = _move(client, p["team"], p["news"])
    assert refused.status_code == 403 and refused.json()["error"] == "You may not move pages."
    listing = client.get("/admin/cms/page/").content.decode()
    assert "You may not move pages." in listing and "Add child page" not in listing
    with in_tenant(tenant_a):
        assert _state() == before


def test_cannot_move_a_page_of_another_tenant(
    tenant_a, tenant_b, in_tenant, admin_client_for
) -> None:
    from mortar_api.cms.models import Page

    p = _build(in_tenant, tenant_a)
    with in_tenant(tenant_b):
        assert not Page.objects.filter(pk__in=[p["team"].pk, p["news"].pk]).exists()
    with in_tenant(tenant_a):
        before = _state()
    b_admin = admin_client_for(tenant_b)  # tenant b's admin, on tenant b's host
    assert _move(b_admin, p["team"], p["news"]).status_code == 404
    a_session_on_b = admin_client_for(tenant_a)
    resp = a_session_on_b.post(
        f"/admin/cms/page/{p['team'].pk}/move/",
        {"parent": p["news"].pk},
        HTTP_HOST="b.apitest.localhost",
    )
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
    with in_tenant(tenant_a):
        assert _state() == before


def test_actions_work_on_the_tree_list(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.cms.models import Page

    with in_tenant(tenant_a):
        parent = make_page("Parent")
        leaf = make_page("Leaf", parent=parent)
    client = admin_client_for(tenant_a)
    done = client.post("/admin/cms/page/", {"action": "publish", "_selected_action": [leaf.pk]})
    assert done.status_code == 302
    with in_tenant(tenant_a):
        assert Page.objects.get(pk=leaf.pk).is_published
    confirm = client.post(
        "/admin/cms/page/", {"action": "delete_selected", "_selected_action": [leaf.pk]}
    )
    assert confirm.status_code == 200 and b"Are you sure" in confirm.content
    deleted = client.post(
        "/admin/cms/page/",
        {"action": "delete_selected", "_selected_action": [leaf.pk], "post": "yes"},
    )
    assert deleted.status_code == 302
    with in_tenant(tenant_a):
        assert list(Page.objects.values_list("slug", flat=True)) == ["parent"]
