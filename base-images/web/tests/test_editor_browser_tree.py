"""The admin's page tree in headless Chromium: drag a page under another parent, then web
serves the new address and 301s the old one (for the page and its sub-page).

The admin is the stack's api gunicorn (http://t1.webtest.localhost:<api_port>/admin/, static
files by whitenoise after collectstatic); the public site is web's gunicorn.
Screenshots (test-artifacts/screenshots/): editor-tree.png and editor-tree-moved.png (before
and after the drag), editor-tree-ar.png (the Arabic, right-to-left admin).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from admin_ui import row
from conftest import SHOTS, T1, Site

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "web-test-admin-pw"  # stack.py's add_tenant --admin-password


@pytest.fixture
def admin(browser, stack) -> Iterator[object]:
    """A browser context logged in to t1's admin (English UI)."""
    # tall: an HTML5 drag cannot scroll, so the whole tree (other tests add pages) must fit
    context = browser.new_context(viewport={"width": 1280, "height": 2400}, locale="en-US")
    page = context.new_page()
    page.failed = []
    page.on("requestfailed", lambda r: page.failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and page.failed.append(f"{r.url} {r.status}"))
    page.base = f"http://{T1}:{stack.api_port}"
    login(page, "/admin/cms/page/")
    yield page
    context.close()


def login(page, next_path: str) -> None:
    page.goto(f"{page.base}/admin/login/?next={next_path}", wait_until="networkidle")
    page.fill("#id_username", f"admin@{T1}")
    page.fill("#id_password", ADMIN_PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("input[type=submit]")
    assert page.url.endswith(next_path), page.url


def test_drag_a_page_under_another_parent(admin, stack, t1: Site) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)

    def add(slug: str, title: str, parent: str = "") -> dict:
        return stack.api_script(
            "add_page", schema="t1", slug=slug, title_en=title, title_ar=f"{title} ع", parent=parent
        )

    source = add("tree-from", "Tree from")
    target = add("tree-to", "Tree to")
    branch = add("tree-branch", "Tree branch", parent=source["path"])
    leaf = add("tree-leaf", "Tree leaf", parent=branch["path"])
    assert leaf["path"] == "tree-from/tree-branch/tree-leaf"
    # web has the old addresses (now in its page cache)
    assert t1.get("/tree-from/tree-branch/").status_code == 200
    assert t1.get("/tree-from/tree-branch/tree-leaf/").status_code == 200

    page = admin
    page.reload(wait_until="networkidle")
    # the tree's stylesheet and script are served and applied: children indented under parents
    assert page.locator(".page-tree-node").first.evaluate("e => getComputedStyle(e).display") == (
        "inline-flex"
    )

    def x_of(page_id: int) -> float:  # where the title starts (LTR)
        return row(page, page_id).locator(".page-tree-node > a").bounding_box()["x"]

    assert x_of(source["id"]) < x_of(branch["id"]) < x_of(leaf["id"])
    assert row(page, branch["id"]).locator(".page-tree-toggle").is_visible()
    add_child = row(page, target["id"]).locator(".page-tree-add-child")
    assert add_child.get_attribute("href") == f"/admin/cms/page/add/?parent={target['id']}"
    page.screenshot(path=str(SHOTS / "editor-tree.png"), full_page=True)

    # collapse and expand the branch
    row(page, branch["id"]).locator(".page-tree-toggle").click()
    assert row(page, leaf["id"]).is_hidden()
    row(page, branch["id"]).locator(".page-tree-toggle").click()
    assert row(page, leaf["id"]).is_visible()

    # drag "Tree branch" onto the middle of "Tree to": it becomes its (last) child
    handle = row(page, branch["id"]).locator(".page-tree-handle")
    drop = row(page, target["id"])
    box = drop.bounding_box()
    with page.expect_navigation(wait_until="networkidle"):
        handle.drag_to(drop, target_position={"x": box["width"] / 2, "y": box["height"] / 2})
    assert "Moved “Tree branch” from /tree-from/tree-branch/ to /tree-to/tree-branch/." in (
        page.locator("ul.messagelist").inner_text()
    )
    assert x_of(target["id"]) < x_of(branch["id"]) < x_of(leaf["id"])
    order = page.locator(".page-tree-node").evaluate_all("els => els.map(e => +e.dataset.page)")
    assert order.index(target["id"]) + 1 == order.index(branch["id"])
    page.screenshot(path=str(SHOTS / "editor-tree-moved.png"), full_page=True)
    # "Add child page" opens the form with the parent chosen
    with page.expect_navigation(wait_until="networkidle"):
        row(page, target["id"]).locator(".page-tree-add-child").click()
    assert page.input_value("#id_parent") == str(target["id"])
    assert page.failed == []

    # web: the new addresses serve, the old ones 301 to them (in every language)
    for new in ("/tree-to/tree-branch/", "/tree-to/tree-branch/tree-leaf/"):
        assert t1.get(new).status_code == 200, new
    for old, new in [
        ("/tree-from/tree-branch/", "/tree-to/tree-branch/"),
        ("/tree-from/tree-branch/tree-leaf/", "/tree-to/tree-branch/tree-leaf/"),
        ("/ar/tree-from/tree-branch/", "/ar/tree-to/tree-branch/"),
    ]:
        moved = t1.get(old)
        assert (moved.status_code, moved.headers["Location"]) == (301, new), old


def test_tree_in_an_arabic_admin_is_indented_from_the_right(browser, stack) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    parent = stack.api_script(
        "add_page", schema="t1", slug="rtl-parent", title_en="RTL parent", title_ar="أب"
    )
    child = stack.api_script(
        "add_page",
        schema="t1",
        slug="rtl-child",
        title_en="RTL child",
        title_ar="ابن",
        parent=parent["path"],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    page = context.new_page()
    try:
        page.base = f"http://{T1}:{stack.api_port}"
        login(page, "/admin/cms/page/")
        assert page.get_attribute("html", "dir") == "rtl"

        def right(page_id: int) -> float:  # where the title starts (RTL)
            box = row(page, page_id).locator(".page-tree-node > a").bounding_box()
            return box["x"] + box["width"]

        assert right(child["id"]) < right(parent["id"])  # indented from the right edge
        page.screenshot(path=str(SHOTS / "editor-tree-ar.png"), full_page=True)
    finally:
        context.close()
