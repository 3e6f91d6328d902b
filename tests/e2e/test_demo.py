"""`mortar demo` (what `make demo` runs): bilingual sample site served, idempotent."""

from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(stack, tag, tmp_path_factory):
    slug, domain = f"e2e_demo_{tag}", f"demo-{tag}.localhost"
    site_dir = tmp_path_factory.mktemp("demo") / slug
    args = ["demo", "--dir", str(site_dir), "--slug", slug, "--domain", domain]
    try:
        first = stack.mortar(*args)
        yield {"slug": slug, "domain": domain, "first": first.stdout, "args": args}
    finally:
        stack.mortar("site", "down", str(site_dir), check=False)
        stack.mortar("site", "deprovision", slug, "--yes", check=False)


def get(stack, host, path):
    return requests.get(f"http://127.0.0.1:{stack.port}{path}", headers={"Host": host}, timeout=15)


def test_demo_prints_working_urls_and_login(stack, demo):
    out = demo["first"]
    assert f"curl -H 'Host: {demo['domain']}' http://127.0.0.1:{stack.port}/" in out
    assert re.search(rf"login +admin@{re.escape(demo['domain'])} / \S+", out)
    home = get(stack, demo["domain"], "/")
    assert home.status_code == 200 and "Welcome" in home.text
    ar = get(stack, demo["domain"], "/ar/")
    assert ar.status_code == 200 and "أهلاً وسهلاً" in ar.text and 'dir="rtl"' in ar.text


def test_demo_content_is_complete(stack, demo):
    site = get(stack, demo["domain"], "/api/v1/site/?lang=ar").json()
    assert [item["label"] for item in site["menus"]["header"]][:2] == ["الرئيسية", "من نحن"]
    assert site["menus"]["header"][1]["children"][0]["url"] == "/about/team/"
    assert site["menus"]["footer"] and site["footer_links"]
    assert [p["name"] for p in site["partners"]] == ["Acme", "Globex", "Initech"]
    assert site["hero"]["title"] == "منصة واحدة، مواقع كثيرة"
    assert get(stack, demo["domain"], "/about/team/").status_code == 200


def test_demo_again_is_idempotent(stack, demo):
    pages = get(stack, demo["domain"], "/api/v1/pages/").json()["count"]
    again = stack.mortar(*demo["args"]).stdout
    assert "already running" in again or "restarting its processes" in again
    assert "demo content already in" in again
    login = re.search(r"login +(\S+ / \S+)", demo["first"]).group(1)
    assert login in again  # the same admin login, printed again
    assert get(stack, demo["domain"], "/api/v1/pages/").json()["count"] == pages == 5
