"""Content blocks on the public site: each type's template, in English and Arabic."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import SHOTS, T1, Site


@pytest.fixture(scope="module")
def blocks_path(stack) -> str:
    return stack.api_script("blocks_page", schema="t1", slug=f"blocks-{uuid.uuid4().hex[:6]}")[
        "path"
    ]


def test_every_block_type_renders_in_english(t1: Site, blocks_path: str) -> None:
    html = t1.get(f"/{blocks_path}/").text
    body_at, blocks_at = html.index('class="prose"'), html.index('class="blocks"')
    assert body_at < blocks_at  # blocks come after the body
    assert (
        '<div class="block block--rich-text prose" id="block-en1"><h2>Blocks heading</h2>' in html
    )
    image = re.search(
        r'<figure class="block block--image" id="block-en2">(.*?)</figure>', html, re.S
    )
    assert image and 'alt="Blue override"' in image[1] and 'width="64"' in image[1]
    assert "<figcaption>A blue square</figcaption>" in image[1]
    assert html.count('class="block-gallery__img"') == 3
    assert '<a class="button" href="/about/">Read about us</a>' in html
    assert "<blockquote><p>Build well.</p></blockquote>" in html
    assert "<figcaption>A mason</figcaption>" in html
    # videos: nothing from the host until clicked; privacy-friendly players
    assert (
        'data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&amp;rel=0"'
        in html
    )
    assert 'data-embed="https://player.vimeo.com/video/76979871?dnt=1&amp;autoplay=1"' in html
    assert "<iframe" not in html and "youtube.com/embed" not in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html  # works without JS
    assert "mortar_web/js/blocks" in html
    columns = html[html.index('id="block-en8"') :]
    assert columns.index("block--rich-text") < columns.index("block--quote")
    assert columns.count("block-columns__column") == 2


def test_every_block_type_renders_in_arabic(t1: Site, blocks_path: str) -> None:
    response = t1.get(f"/ar/{blocks_path}/")
    html = response.text
    assert response.status_code == 200 and '<html lang="ar" dir="rtl">' in html
    assert "<h2>عنوان الكتل</h2>" in html and 'alt="أزرق"' in html
    assert '<a class="button" href="/ar/about/">اقرأ عنا</a>' in html  # stays in Arabic
    assert "<blockquote><p>ابنِ جيدا.</p></blockquote>" in html
    assert "تشغيل الفيديو" in html and html.count("block--video") == 2
    assert 'id="block-ar8"' in html


def test_a_page_without_blocks_renders_as_before(t1: Site) -> None:
    html = t1.get("/about/").text
    assert 'class="blocks"' not in html and "mortar_web/js/blocks" not in html


@pytest.mark.browser
def test_blocks_in_a_browser(browser, stack, blocks_path: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # no request may reach a video host before the visitor asks for it
    hosts: list[str] = []
    page.on("request", lambda r: hosts.append(r.url))
    page.route(re.compile(r"https://.*(youtube|vimeo)"), lambda route: route.abort())
    base = f"http://{T1}:{stack.web_port}"
    try:
        page.goto(f"{base}/{blocks_path}/", wait_until="networkidle")
        assert page.locator(".blocks > .block").count() == 8
        assert not [u for u in hosts if "youtube" in u or "vimeo" in u]
        page.screenshot(path=str(SHOTS / "blocks-en.png"), full_page=True)
        page.goto(f"{base}/ar/{blocks_path}/", wait_until="networkidle")
        # logical properties: the quote's rule is on the right in Arabic
        quote = page.locator(".block--quote blockquote").first
        assert quote.evaluate("e => getComputedStyle(e).borderRightWidth") == "4px"
        assert quote.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
        page.screenshot(path=str(SHOTS / "blocks-ar.png"), full_page=True)
        # click to load: the player replaces the placeholder, from youtube-nocookie
        page.locator(".block-video__load").first.click()
        src = page.locator(".block-video__frame iframe").first.get_attribute("src")
        assert src.startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    finally:
        context.close()
