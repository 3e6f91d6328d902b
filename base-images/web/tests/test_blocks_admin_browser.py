"""The admin's block editor in a real browser: add, fill, reorder, choose an image (the
real media chooser), Arabic right-to-left, save; bad data comes back
as a form error. Drives the real api admin (a second api gunicorn serving its static files).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest
from admin_ui import add_block, blocks_editor, choose_image
from conftest import SHOTS, T1
from stack import BIN, free_port, wait_http

pytestmark = pytest.mark.browser
PASSWORD = "web-test-admin-pw"


@pytest.fixture(scope="module")
def admin_base(stack) -> Iterator[str]:
    env = {**stack.api_env(), "STATIC_ROOT": str(stack.tmp / "api-admin-static")}
    subprocess.run(
        [str(BIN / "mortar-api"), "collectstatic", "--noinput", "-v0"],
        env=env, cwd=stack.tmp, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    port = free_port()
    stack._gunicorn("api-admin", "mortar_api.wsgi:application", port, env, 1)
    try:
        wait_http(f"http://127.0.0.1:{port}/health/")
        yield f"http://{T1}:{port}"
    finally:
        stack.stop("api-admin")


def test_editing_blocks_in_the_admin(browser, stack, admin_base: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    slug = f"admin-blocks-{uuid.uuid4().hex[:6]}"
    title = f"Chosen {slug}"  # unique: the chooser's search finds exactly this one
    asset = stack.api_script("make_asset", schema="t1", title=title)["id"]
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{admin_base}/admin/login/")
        page.fill("#id_username", "admin@t1.webtest.localhost")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{admin_base}/admin/cms/page/add/", wait_until="networkidle")
        page.fill("#id_title_en", "Admin blocks")
        page.fill("#id_slug", slug)

        en = blocks_editor(page, "blocks_en")
        add_block(en, "quote")
        en.locator("li.mortar-blocks__block").nth(0).locator("textarea").fill("Well built.")
        add_block(en, "cta")
        cta = en.locator("li.mortar-blocks__block").nth(1)
        cta.locator("input[type=text]").nth(0).fill("Visit")
        cta.locator('input[placeholder^="https"]').fill("https://example.org/")
        add_block(en, "image")  # the media library's chooser (mortar_api.media.chooser)
        choose_image(page, en.locator("li.mortar-blocks__block").nth(2), title)
        add_block(en, "gallery")
        gallery = en.locator("li.mortar-blocks__block").nth(3)
        assert errors == []  # no script error in the editor
        gallery.get_by_role("button", name="Add image").click()
        choose_image(page, gallery, title)
        # reorder: the gallery moves above the image
        gallery.get_by_role("button", name="Move up").click()
        page.screenshot(path=str(SHOTS / "blocks-admin-en.png"), full_page=True)

        ar = blocks_editor(page, "blocks_ar")
        assert ar.get_attribute("dir") == "rtl"
        page.locator('a[href="#tab_id_blocks_ar"]').click()
        add_block(ar, "quote")
        quote_ar = ar.locator("li.mortar-blocks__block textarea").first
        assert quote_ar.get_attribute("dir") == "rtl"
        quote_ar.fill("ابنِ جيدا.")
        page.click("input[name=_save]")
        page.wait_for_load_state("networkidle")
        assert page.locator(".errornote").count() == 0, page.content()[:3000]

        saved = stack.api_script("page_blocks", schema="t1", slug=slug)
        assert [b["type"] for b in saved["en"]] == ["quote", "cta", "gallery", "image"]
        assert saved["en"][0]["value"] == {"text": "Well built."}
        assert saved["en"][1]["value"] == {"label": "Visit", "url": "https://example.org/"}
        assert saved["en"][2]["value"] == {"images": [{"image": asset}]}
        assert saved["en"][3]["value"] == {"image": asset}
        assert all(b["id"] for b in saved["en"])
        assert saved["ar"] == [{"type": "quote", "id": saved["ar"][0]["id"],
                                "value": {"text": "ابنِ جيدا."}}]  # fmt: skip

        # a bad URL comes back as a form error naming the block; the editor keeps the blocks
        page.goto(f"{admin_base}/admin/cms/page/?q={slug}")
        page.get_by_role("link", name="Admin blocks").first.click()
        en = blocks_editor(page, "blocks_en")
        en.locator('input[placeholder^="https"]').fill("javascript:alert(1)")
        page.click("input[name=_save]")
        page.wait_for_load_state("networkidle")
        assert "blocks_en[1].value.url" in page.locator(".errorlist").first.inner_text()
        assert blocks_editor(page, "blocks_en").locator("li.mortar-blocks__block").count() == 4
        page.screenshot(path=str(SHOTS / "blocks-admin-error.png"), full_page=True)
        saved_again = stack.api_script("page_blocks", schema="t1", slug=slug)
        assert saved_again["en"][1]["value"]["url"] == "https://example.org/"
    finally:
        context.close()
