"""The edge's Content-Security-Policy against the real pages, in headless Chromium.

Chromium loads a generated site through the shared nginx (which adds the policy) and
records every violation report (the `securitypolicyviolation` event, and the console's
CSP messages from any frame): the home page, a content page, the contact form and the
admin's page editor must report none.
"""

from __future__ import annotations

import re

import pytest
from conftest import launch_chromium
from mortar_infra.nginx import CONTENT_SECURITY_POLICY

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="module")
def chromium():
    yield from launch_chromium()


def _violations(page, console: list[str]) -> list[str]:
    return page.evaluate("window.__csp") + [m for m in console if "Content Security" in m]


def test_no_csp_violation_on_public_pages_and_the_page_editor(stack, sites, chromium):
    run = sites["beta"]
    base = f"http://{run.domain}:{stack.port}"
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(LISTEN)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    try:
        for path in ("/", "/about/", "/ar/about/", "/contact/"):
            response = page.goto(base + path, wait_until="networkidle")
            assert response.status == 200, path
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert _violations(page, console) == [], path

        lines = dict(ln.strip().split(": ", 1) for ln in run.up_output.splitlines() if ": " in ln)
        page.goto(base + "/admin/login/?next=/admin/cms/page/", wait_until="networkidle")
        assert _violations(page, console) == [], "/admin/login/"
        page.fill("#id_username", lines["admin user"])
        page.fill("#id_password", lines["admin password (shown once)"])
        with page.expect_navigation(wait_until="networkidle"):
            page.click("input[type=submit]")
        assert page.url.endswith("/admin/cms/page/"), page.url
        assert _violations(page, console) == [], "/admin/cms/page/"
        change = page.locator("a[href*='/admin/cms/page/'][href$='/change/']").first
        href = change.get_attribute("href")
        assert re.search(r"/admin/cms/page/\d+/change/$", href), href
        page.goto(base + href, wait_until="networkidle")
        assert _violations(page, console) == [], href
        # the editor's scripts really ran: the rich-text editor is on the page
        page.locator(".prose-editor .ProseMirror").first.wait_for(state="attached")
        assert _violations(page, console) == [], href
    finally:
        context.close()
