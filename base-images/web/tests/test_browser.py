"""Headless Chromium (Debian's package, driven by Playwright) against the real stack.

Never `playwright install`: the browser is /usr/bin/chromium from apt
(scripts/install-system-deps). *.localhost resolves to loopback in Chromium, so
`http://t1.webtest.localhost:<port>/` reaches web's gunicorn with the tenant's Host.
Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import SHOTS, T1

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, stack) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.failed = []  # every request that failed or answered >= 400
    # The icon is fetched in the background; navigating on cancels it (ERR_ABORTED, the
    # browser's doing, not the site's). Any answer >= 400 for it still counts below.
    p.on(
        "requestfailed",
        lambda r: (
            (r.failure == "net::ERR_ABORTED" and "/favicon." in r.url)
            or p.failed.append(f"{r.url} {r.failure}")
        ),
    )
    p.on("response", lambda r: r.status >= 400 and p.failed.append(f"{r.url} {r.status}"))
    p.base = f"http://{T1}:{stack.web_port}"
    yield p
    context.close()


def check_landmarks(page) -> None:
    for selector in ("header.site-header", "nav.menu", "main#main", "footer.site-footer"):
        assert page.locator(selector).count() == 1, selector
    assert page.locator("nav.languages a").count() == 2
    # the first Tab lands on the skip link, which becomes visible
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0


def test_home_page_in_both_languages(page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(page.base + "/", wait_until="networkidle")
    assert page.title() == "Welcome to Tenant One · Tenant One"
    assert page.get_attribute("html", "dir") == "ltr"
    # the stylesheet really applied (served by whitenoise under /assets/)
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    page.screenshot(path=str(SHOTS / "web-home-en.png"), full_page=True)
    check_landmarks(page)

    page.click("nav.languages a[lang=ar]")
    page.wait_for_load_state("networkidle")
    assert page.url == page.base + "/ar/"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    # logical properties: in RTL the header menu sits on the left of the brand
    brand = page.locator(".brand").bounding_box()
    menu = page.locator("nav.menu").bounding_box()
    assert menu["x"] < brand["x"]
    page.screenshot(path=str(SHOTS / "web-home-ar.png"), full_page=True)
    check_landmarks(page)
    assert page.failed == []


def test_contact_form_submission(page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(page.base + "/contact/", wait_until="networkidle")
    page.fill("#id_name", "Browser Visitor")
    page.fill("#id_email", "not-an-email")
    page.fill("#id_message", "Hello from headless Chromium.")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("networkidle")
    # the api's validation error, next to the email field; typed values kept
    assert page.locator("#err_email li").count() >= 1
    assert page.input_value("#id_message") == "Hello from headless Chromium."
    page.screenshot(path=str(SHOTS / "web-contact-errors.png"), full_page=True)
    failed = [f for f in page.failed if not f.endswith("/contact/ 400")]
    page.failed.clear()

    page.fill("#id_email", "visitor@example.org")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/contact/?sent=1")
    assert page.locator(".notice--ok").inner_text() == "Thank you, your message has been sent."
    page.screenshot(path=str(SHOTS / "web-contact-sent.png"), full_page=True)
    assert failed == [] and page.failed == []


def test_small_screens_do_not_scroll_sideways(page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 740})
    for path, shot in (
        ("/about/team/", "web-team-en-mobile.png"),
        ("/ar/about/", "web-about-ar-mobile.png"),
    ):
        page.goto(page.base + path, wait_until="networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
        # the nested menu is laid out inline (no hover needed on touch screens)
        assert page.locator("nav.menu .menu__list--1").first.is_visible()
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    assert page.failed == []


def test_header_search_by_keyboard_in_english_and_arabic(page) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for start, query, title, href in (
        ("/", "team", "Tenant One team", "/about/team/"),
        ("/ar/", "فريق", "فريق المستأجر الأول", "/ar/about/team/"),
    ):
        page.goto(page.base + start, wait_until="networkidle")
        box = page.get_by_role("search").get_by_label(re.compile("Search this site|ابحث"))
        box.focus()
        page.keyboard.type(query)
        with page.expect_navigation(wait_until="networkidle"):
            page.keyboard.press("Enter")
        assert page.url.startswith(page.base + start + "search/?q=")
        result = page.locator(".search-result__title a").first  # the title match ranks first
        assert result.inner_text() == title
        assert result.get_attribute("href") == href
        assert page.locator(".search-result mark").first.inner_text() == query
        page.screenshot(path=str(SHOTS / f"web-search-{start.strip('/') or 'en'}.png"))
        result.focus()  # results are reachable by keyboard: Enter follows the link
        page.keyboard.press("Enter")
        page.wait_for_url(page.base + href)
    assert page.failed == []
