"""Issue 11's editor journey, end to end in headless Chromium on the real admin and web.

A Publisher of an en/ar tenant adds a page under an existing one from the page tree,
types formatted text in English and Arabic (a heading, bold, a list, a link to another
page; the Arabic editor is right-to-left), adds an image block chosen from the media
library, a quote and a call to action in both languages, saves, previews the draft on
web, publishes, and web shows every block in both languages; then the page is dragged
under another parent: the new address serves, the old one answers 301.

Screenshots (test-artifacts/screenshots/): journey-editor.png, journey-preview.png,
journey-page-en.png, journey-page-ar.png, journey-tree.png.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from admin_ui import (
    add_block,
    blocks_editor,
    choose_image,
    editor,
    row,
    show_language,
    type_formatted,
)
from conftest import SHOTS, T1, Site

pytestmark = pytest.mark.browser

PASSWORD = "journey-publisher-pw"
TIP = {"en": "Arrive early on Sundays.", "ar": "تعال مبكرا يوم الأحد."}


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/cms/page/", wait_until="networkidle")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("input[type=submit]")
    assert page.url.endswith("/admin/cms/page/"), page.url


def _fill_blocks(page, lang: str, image_title: str, quote: str, label: str) -> None:
    """An image from the library, a quote and a call to action in one language."""
    show_language(page, f"blocks_{lang}")
    blocks = blocks_editor(page, f"blocks_{lang}")
    add_block(blocks, "image")
    choose_image(page, blocks.locator("li.mortar-blocks__block").nth(0), image_title)
    add_block(blocks, "quote")
    blocks.locator("li.mortar-blocks__block").nth(1).locator("textarea").fill(quote)
    add_block(blocks, "cta")
    cta = blocks.locator("li.mortar-blocks__block").nth(2)
    cta.locator("input[type=text]").nth(0).fill(label)
    cta.locator('input[placeholder^="https"]').fill("https://example.org/visit")
    # a rich-text block gets the body's WYSIWYG editor (same language and direction)
    add_block(blocks, "rich_text")
    box = blocks.locator("li.mortar-blocks__block").nth(3).locator(".prose-editor > .ProseMirror")
    assert box.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    box.click()
    page.keyboard.type(TIP[lang])


def _on_web(page, stack, path: str, shot: str) -> str:
    page.goto(f"http://{T1}:{stack.web_port}{path}", wait_until="networkidle")
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    return page.content()


def test_a_publisher_builds_previews_publishes_and_moves_a_page(browser, stack, t1: Site) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:6]
    publisher = f"publisher-{tag}@{T1}"
    stack.api_script(
        "member", schema="t1", username=publisher, password=PASSWORD, group="Publishers"
    )

    def add(slug: str, title: str) -> dict:
        return stack.api_script("add_page", schema="t1", slug=slug, title_en=title, title_ar=title)

    parent = add(f"journey-{tag}", f"Journey {tag}")
    elsewhere = add(f"elsewhere-{tag}", f"Elsewhere {tag}")
    image_title = f"Journey image {tag}"
    stack.api_script("make_asset", schema="t1", title=image_title)
    slug = f"visit-{tag}"

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = f"http://{T1}:{stack.api_port}"
    try:
        _login(page, base, publisher)
        # --- the page tree: "Add child page" on the existing page
        with page.expect_navigation(wait_until="networkidle"):
            row(page, parent["id"]).locator(".page-tree-add-child").click()
        assert page.input_value("#id_parent") == str(parent["id"])
        page.wait_for_selector(".prose-editor > .ProseMirror")
        page.fill("#id_title_en", "Plan your visit")
        page.fill("#id_slug", slug)
        show_language(page, "title_ar")
        page.fill("#id_title_ar", "خطط لزيارتك")

        # --- formatted text in both languages, a link to another page in each
        en = {"heading": "Getting here", "bold": "Open daily", "plain": "from nine.",
              "item1": "Tram", "item2": "Bicycle", "step": "Book a table",
              "quote": "Worth the trip.", "link": "our team", "search": "team"}  # fmt: skip
        type_formatted(page, "body_en", en)
        ar = {"heading": "كيف تصل", "bold": "مفتوح يوميا", "plain": "من التاسعة.",
              "item1": "ترام", "item2": "دراجة", "step": "احجز طاولة",
              "quote": "تستحق الرحلة.", "link": "فريقنا", "search": "فريق"}  # fmt: skip
        show_language(page, "body_ar")
        assert editor(page, "body_ar").get_attribute("dir") == "rtl"
        assert editor(page, "body_en").get_attribute("dir") == "ltr"
        type_formatted(page, "body_ar", ar)
        assert (en["url"], ar["url"]) == ("/about/team/", "/ar/about/team/")

        # --- blocks: an image from the library, a quote, a call to action (both languages)
        _fill_blocks(page, "en", image_title, "Best harbour view in town.", "Book now")
        _fill_blocks(page, "ar", image_title, "أجمل منظر للميناء.", "احجز الآن")
        assert blocks_editor(page, "blocks_ar").get_attribute("dir") == "rtl"
        page.screenshot(path=str(SHOTS / "journey-editor.png"), full_page=True)
        with page.expect_navigation(wait_until="networkidle"):
            page.click("input[name=_continue]")
        assert page.locator(".errornote").count() == 0, page.locator("#content").inner_text()
        state = stack.api_script("page_state", schema="t1", path=f"{parent['path']}/{slug}")
        assert state["status"] == "draft"
        path = f"/{parent['path']}/{slug}/"
        assert t1.get(path).status_code == 404  # a draft is not public

        # --- preview: the saved draft on web, in the language being edited
        show_language(page, "body_ar")
        button = page.locator(".submit-row a.mortar-preview-button")
        with context.expect_page() as popup:  # the button picks the language when clicked
            button.click()
        popup.value.close()  # it opened the protocol-relative URL (port 80): read it instead
        href = button.get_attribute("href")
        preview_path = urlsplit(href).path
        assert re.fullmatch(r"/ar/__preview/[^/]+/", preview_path), href
        preview = context.new_page()
        html = _on_web(preview, stack, preview_path, "journey-preview.png")
        assert "خطط لزيارتك" in html and "أجمل منظر للميناء." in html
        preview.close()

        # --- publish (a Publisher may) and the approval is recorded
        page.select_option("#id_status", "published")
        with page.expect_navigation(wait_until="networkidle"):
            page.click("input[name=_continue]")
        assert page.locator(".errornote").count() == 0
        state = stack.api_script("page_state", schema="t1", path=f"{parent['path']}/{slug}")
        assert (state["status"], state["approved_by"]) == ("published", publisher)

        # --- web: every part in both languages
        visitor = context.new_page()
        for lang, prefix, words, quote, label in (
            ("en", "", en, "Best harbour view in town.", "Book now"),
            ("ar", "/ar", ar, "أجمل منظر للميناء.", "احجز الآن"),
        ):
            html = _on_web(visitor, stack, prefix + path, f"journey-page-{lang}.png")
            assert f"<h2>{words['heading']}</h2>" in html, lang
            assert f"<strong>{words['bold']}</strong>" in html
            assert f"<li><p>{words['item1']}</p></li>" in html
            assert f'href="{words["url"]}"' in html
            assert 'class="block block--image"' in html and "<img" in html
            assert f"<blockquote><p>{quote}</p></blockquote>" in html
            assert 'class="block block--cta"' in html and label in html
            assert f"<p>{TIP[lang]}</p>" in html
            assert visitor.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        visitor.close()

        # --- the tree: drag the page under another parent
        # tall: an HTML5 drag cannot scroll, so the whole tree (other tests add pages) must fit
        page.set_viewport_size({"width": 1400, "height": 2400})
        page.goto(f"{base}/admin/cms/page/", wait_until="networkidle")
        moved = stack.api_script("page_state", schema="t1", path=f"{parent['path']}/{slug}")
        handle = row(page, moved["id"]).locator(".page-tree-handle")
        drop = row(page, elsewhere["id"])
        box = drop.bounding_box()
        with page.expect_navigation(wait_until="networkidle"):
            handle.drag_to(drop, target_position={"x": box["width"] / 2, "y": box["height"] / 2})
        page.screenshot(path=str(SHOTS / "journey-tree.png"), full_page=True)
        new_path = f"/{elsewhere['path']}/{slug}/"
        assert t1.get(new_path).status_code == 200
        for old, new in ((path, new_path), (f"/ar{path}", f"/ar{new_path}")):
            answer = t1.get(old)
            assert (answer.status_code, answer.headers["Location"]) == (301, new), old
        assert errors == [], errors
    finally:
        context.close()
