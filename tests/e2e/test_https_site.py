"""A generated site on a stack with `infra up --https` (the local CA), in headless Chromium.

`site up` checks the site through nginx over HTTPS and prints https URLs; Chromium, told to
trust the local root's key (no NSS tool here), loads the home page without a certificate
error, every link to the site itself is https, and the admin login (a CSRF-checked POST)
works behind the TLS edge. Its own stack and site (HTTP stays the session stack's).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
import requests
from kitstack import Stack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("MORTAR_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def https_site(tmp_path_factory):
    home = tmp_path_factory.mktemp("mortar-home-https")
    stack = Stack(home, free_port())
    stack.env["MORTAR_HTTPS_PORT"] = str(free_port())
    up = stack.mortar("infra", "up", "--https").stdout
    tag = uuid.uuid4().hex[:6]
    slug, domain = f"e2e_tls_{tag}", f"tls-{tag}.localhost"
    site_dir = stack.spawn(
        tmp_path_factory.mktemp("sites-https"), site_name=f"TLS {tag}", site_slug=slug,
        domain=domain, languages="en", time_zone="UTC", admin_email=f"owner@{domain}",
    )  # fmt: skip
    try:
        site_up = stack.mortar("site", "up", str(site_dir)).stdout
        yield stack, domain, site_up, up
    finally:
        stack.mortar("site", "down", str(site_dir), check=False)
        stack.mortar("site", "deprovision", slug, "--yes", check=False)
        stack.mortar("infra", "down", check=False)


def test_site_up_behind_https_and_chromium_logs_in(https_site) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    stack, domain, site_up, infra_up = https_site
    port = stack.env["MORTAR_HTTPS_PORT"]
    base = f"https://{domain}:{port}"
    assert f"{base}/" in site_up  # the URL `site up` prints
    spki = re.search(r"spki sha256 (\S+)", infra_up).group(1)
    # plain HTTP moves to HTTPS
    r = requests.get(
        f"http://127.0.0.1:{stack.port}/about/",
        headers={"Host": domain},
        allow_redirects=False,
        timeout=15,
    )
    assert r.status_code == 301 and r.headers["Location"] == f"{base}/about/"

    lines = dict(ln.strip().split(": ", 1) for ln in site_up.splitlines() if ": " in ln)
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
    args.append(f"--ignore-certificate-errors-spki-list={spki}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            page = browser.new_page()
            response = page.goto(f"{base}/", wait_until="networkidle")
            assert response.status == 200
            assert page.evaluate("window.isSecureContext")
            # links and assets to the site itself are https (the site knows its scheme)
            own = page.evaluate(
                """(host) => [...document.querySelectorAll('a[href], link[href], script[src]')]
                .map(e => e.href || e.src).filter(u => u.includes(host))""",
                domain,
            )
            assert own and all(u.startswith(f"{base}/") for u in own), own
            # the admin login: Django's CSRF check compares the Origin with https://host:port
            page.goto(f"{base}/admin/login/?next=/admin/", wait_until="networkidle")
            page.fill("#id_username", lines["admin user"])
            page.fill("#id_password", lines["admin password (shown once)"])
            with page.expect_navigation(wait_until="networkidle"):
                page.click("input[type=submit]")
            assert page.url == f"{base}/admin/", page.url
            assert "CSRF" not in page.content()
        finally:
            browser.close()
