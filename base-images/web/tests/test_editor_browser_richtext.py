"""The admin's rich-text editor, media chooser and Preview button in headless Chromium.

The admin is served by the stack's api gunicorn (static files by whitenoise, collected
in Stack.start_api): http://t1.webtest.localhost:<api_port>/admin/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from admin_ui import body_value, editor, menu_button, show_language, tiptap, type_formatted
from conftest import SHOTS, T1

pytestmark = pytest.mark.browser

ADMIN_USER, ADMIN_PASSWORD = f"admin@{T1}", "web-test-admin-pw"


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), color=(30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def admin(browser, stack) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.failed = []  # responses >= 400
    p.on("response", lambda r: r.status >= 400 and p.failed.append((r.status, r.url)))
    p.base = f"http://{T1}:{stack.api_port}"
    p.goto(p.base + "/admin/login/")
    p.fill("#id_username", ADMIN_USER)
    p.fill("#id_password", ADMIN_PASSWORD)
    p.click("input[type=submit]")
    p.wait_for_url(p.base + "/admin/")
    yield p
    context.close()


def test_rich_text_media_chooser_and_preview(admin, stack, t1) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    admin.goto(admin.base + "/admin/cms/page/add/")
    admin.wait_for_selector(".prose-editor > .ProseMirror")
    admin.fill("#id_title_en", "Rich text test")
    admin.fill("#id_slug", "rich-text-test")

    # --- English: formatting through the toolbar
    en = {"heading": "Opening hours", "bold": "Open daily", "plain": "from nine.",
          "item1": "Bread", "item2": "Cakes", "step": "Order online", "quote": "Best in town.",
          "link": "our team", "search": "team"}  # fmt: skip
    type_formatted(admin, "body_en", en)
    assert en["url"] == "/about/team/"
    assert editor(admin, "body_en").get_attribute("dir") == "ltr"

    # an image from the media library: a bad upload is refused clearly, a good one is chosen
    tiptap(admin, "body_en", "e.commands.focus('end')")
    admin.keyboard.press("Enter")
    menu_button(admin, "body_en", "image from the media library").click()
    dialog = admin.locator("dialog.mortar-media-chooser")
    dialog.wait_for()
    dialog.locator("input[type=file]").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image at all"}
    )
    dialog.locator("button[type=submit]").click()
    error = dialog.locator(".mortar-media-chooser__error")
    admin.wait_for_function(
        "() => document.querySelector('.mortar-media-chooser__error').textContent.length"
    )
    assert error.is_visible()
    assert "Not a valid image" in error.inner_text()
    dialog.locator("input[type=file]").set_input_files(
        {"name": "harbour.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    dialog.locator("input[name=title]").fill("Harbour at dawn")
    dialog.locator("input[name=alt]").fill("Boats in the harbour")
    dialog.locator("button[type=submit]").click()
    dialog.wait_for(state="detached")
    image = editor(admin, "body_en").locator("img")
    assert image.get_attribute("alt") == "Boats in the harbour"
    assert re.fullmatch(r"/media/t1/images/.+\.png", image.get_attribute("src"))

    # --- Arabic: right-to-left editing
    show_language(admin, "body_ar")
    assert editor(admin, "body_ar").is_visible()
    assert admin.locator(".prose-editor:has(#id_body_ar)").get_attribute("dir") == "rtl"
    assert editor(admin, "body_ar").get_attribute("dir") == "rtl"
    assert editor(admin, "body_ar").get_attribute("lang") == "ar"
    ar = {"heading": "ساعات العمل", "bold": "مفتوح يوميا", "plain": "من التاسعة.",
          "item1": "خبز", "item2": "كعك", "step": "اطلب عبر الإنترنت",
          "quote": "الأفضل في المدينة.",
          "link": "فريقنا", "search": "فريق"}  # fmt: skip
    show_language(admin, "title_ar")
    admin.fill("#id_title_ar", "اختبار النص")
    type_formatted(admin, "body_ar", ar)
    assert ar["url"] == "/ar/about/team/"
    # the text itself sits on the right: its heading ends at the editor's right edge
    right, text_right = admin.evaluate(
        """(sel) => { const box = document.querySelector(sel);
            const range = document.createRange(); range.selectNodeContents(box.querySelector('h2'));
            return [box.getBoundingClientRect().right, range.getBoundingClientRect().right] }""",
        ".prose-editor:has(#id_body_ar) > .ProseMirror",
    )
    assert right - text_right < 40, (right, text_right)

    # the SEO image: the chooser lists the library (searchable) instead of an id input
    assert admin.locator("input[name=seo_image][type=hidden]").count() == 1
    admin.click(".field-seo_image .mortar-chooser__choose")
    dialog.wait_for()
    dialog.locator(".mortar-media-chooser__search").fill("harbour")
    admin.wait_for_function(
        "() => document.querySelector('.mortar-media-chooser__pageinfo')"
        ".textContent.includes('(1 image)')"
    )
    dialog.locator(".mortar-media-chooser__asset").first.click()
    assert admin.locator("input[name=seo_image]").input_value() != ""
    admin.screenshot(path=str(SHOTS / "editor-richtext.png"), full_page=True)

    typed = {f: body_value(admin, f) for f in ("body_en", "body_ar")}
    admin.click("input[name=_continue]")
    admin.wait_for_selector(".messagelist .success")
    assert not admin.errors, admin.errors  # no JavaScript error
    # media files are nginx's job (the api's gunicorn does not serve them); the bad upload
    # was a 400; nothing else failed (the editor's and chooser's static files loaded)
    unexpected = [
        (status, url)
        for status, url in admin.failed
        if "/media/t1/" not in url and not (status == 400 and url.endswith("/chooser/upload/"))
    ]
    assert not unexpected, unexpected
    saved = {f: body_value(admin, f) for f in ("body_en", "body_ar")}
    # what the editor produced is exactly what was stored (the sanitiser changed nothing)
    assert saved == typed
    for words, body in ((en, saved["body_en"]), (ar, saved["body_ar"])):
        assert f"<h2>{words['heading']}</h2>" in body
        assert f"<strong>{words['bold']}</strong> {words['plain']}" in body
        assert f"<ul><li><p>{words['item1']}</p></li><li><p>{words['item2']}</p></li></ul>" in body
        assert f"<ol><li><p>{words['step']}</p></li></ol>" in body
        assert f"<blockquote><p>{words['quote']}</p></blockquote>" in body
        assert f'<a href="{words["url"]}" rel="noopener noreferrer">{words["link"]}</a>' in body
    assert re.search(
        r'<img src="/media/t1/images/[^"]+\.png" alt="Boats in the harbour">', saved["body_en"]
    )

    # --- Preview: the draft in the language being edited, through web
    show_language(admin, "body_ar")
    preview = admin.locator(".submit-row a.mortar-preview-button")
    with admin.context.expect_page() as popup_info:
        preview.click()
    popup = popup_info.value
    href = preview.get_attribute("href")
    assert re.fullmatch(rf"//{re.escape(T1)}/ar/__preview/[^/]+/", href), href
    popup.close()
    rendered = t1.get(href.removeprefix(f"//{T1}"))
    assert rendered.status_code == 200
    assert ar["heading"] in rendered.text and ar["bold"] in rendered.text
    show_language(admin, "body_en")
    assert "/ar/" not in admin.evaluate(
        "() => { const a = document.querySelector('.mortar-preview-button');"
        " a.dispatchEvent(new Event('focus')); return a.getAttribute('href') }"
    )
