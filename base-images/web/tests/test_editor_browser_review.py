"""Review before publish in a real browser: an Editor drafts and submits in the api's admin
(no publish button; the editor API says 403), a Publisher finds the page under "Awaiting
review" and publishes it, and web serves it.

The admin is the stack's api gunicorn (http://t1.webtest.localhost:<api_port>/admin/);
the two users are made with the api's own models (api_script.py ``member``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from conftest import SHOTS, T1

pytestmark = pytest.mark.browser
PASSWORD = "review-browser-pw"
SLUG = "review-flow"


@pytest.fixture
def new_page(browser) -> Iterator[object]:
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, admin: str, username: str) -> None:
    page.goto(f"{admin}/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{admin}/")


def test_editor_submits_publisher_publishes(stack, new_page, t1) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin = f"http://{T1}:{stack.api_port}/admin"
    editor = stack.api_script(
        "member", schema="t1", username="editor@t1", password=PASSWORD, group="Editors"
    )
    stack.api_script(
        "member", schema="t1", username="publisher@t1", password=PASSWORD, group="Publishers"
    )

    # --- the Editor: a new draft, no way to publish it, submitted for review
    ed = new_page()
    log_in(ed, admin, "editor@t1")
    ed.goto(f"{admin}/cms/page/add/")
    assert ed.locator("select[name=status]").count() == 0  # publication fields read-only
    assert ed.locator("input[name=publish_at_0]").count() == 0
    ed.fill("#id_title_en", "Reviewed story")
    ed.fill("#id_slug", SLUG)
    ed.click("button[name=_submit_for_review]")
    ed.wait_for_load_state("networkidle")
    assert "submitted for review" in ed.locator("ul.messagelist").inner_text()
    state = stack.api_script("page_state", schema="t1", path=SLUG)
    assert state["status"] == "draft" and state["review_requested_by"] == "editor@t1"

    ed.goto(f"{admin}/cms/page/")
    actions = ed.locator("select[name=action] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert "submit_for_review" in actions and "publish" not in actions
    # the editor API agrees: 403 with the API's error body
    api = requests.post(
        f"http://127.0.0.1:{stack.api_port}/api/v1/editor/pages/{state['id']}/publish/",
        headers={"Host": T1, "Authorization": f"Token {editor['token']}"},
        timeout=30,
    )
    assert api.status_code == 403 and "Publishers" in api.json()["detail"]
    assert t1.get(f"/{SLUG}/").status_code == 404  # not on the site yet

    # --- the Publisher: "Awaiting review" on the index, then publish from the form
    pub = new_page()
    log_in(pub, admin, "publisher@t1")
    awaiting = pub.locator("#awaiting-review")
    assert "Reviewed story" in awaiting.inner_text() and "editor@t1" in awaiting.inner_text()
    pub.screenshot(path=str(SHOTS / "editor-review.png"), full_page=True)
    awaiting.locator("a", has_text="Reviewed story").click()
    pub.wait_for_load_state("networkidle")
    assert "Awaiting review since" in pub.locator(".field-review").inner_text()
    pub.select_option("select[name=status]", "published")
    pub.click("input[name=_save]")
    pub.wait_for_load_state("networkidle")
    assert pub.locator("ul.messagelist").count() == 1

    state = stack.api_script("page_state", schema="t1", path=SLUG)
    assert state["status"] == "published" and state["approved_by"] == "publisher@t1"
    assert state["review_requested_by"] is None
    pub.goto(f"{admin}/")
    assert "Reviewed story" not in pub.locator("#awaiting-review").inner_text()

    # --- web serves it on its next request
    served = t1.get(f"/{SLUG}/")
    assert served.status_code == 200 and "Reviewed story" in served.text
