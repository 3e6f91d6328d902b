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
        yield {"slug": slug, "domain": domain, "first": first.stdout, "args": args, "dir": site_dir}
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
    # content blocks after the body, in each language (quote and call to action)
    about = get(stack, demo["domain"], "/about/").text
    assert 'class="block block--quote"' in about and "A happy editor" in about
    assert 'href="/contact/"' in about and "Talk to us" in about
    assert "تحدث إلينا" in get(stack, demo["domain"], "/ar/about/").text


def test_demo_again_is_idempotent(stack, demo):
    pages = get(stack, demo["domain"], "/api/v1/pages/").json()["count"]
    again = stack.mortar(*demo["args"]).stdout
    assert "already running" in again or "restarting its processes" in again
    assert re.search(r"demo content in \S+: 0 added or filled in, \d+ kept", again), again
    login = re.search(r"login +(\S+ / \S+)", demo["first"]).group(1)
    assert login in again  # the same admin login, printed again
    assert get(stack, demo["domain"], "/api/v1/pages/").json()["count"] == pages == 5


# What an editor might do between two runs of `mortar demo`: edit pages, delete some, and
# make objects whose names the demo uses as keys (a second "demo-home" hero once crashed
# the next run with MultipleObjectsReturned).
EDITS = """
import django; django.setup()
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context
from mortar_api.cms.models import Hero, MenuItem, Page, Partner
with schema_context("{schema}"):
    editor = get_user_model().objects.get(username="admin@{domain}")
    about = Page.objects.get(path="about")
    about.title_en = "About the editors"
    about.save(revision_note="edited in admin", revision_user=editor)
    MenuItem.objects.filter(page__path="services").delete()
    Page.objects.get(path="contact").delete()
    Hero.objects.create(name="demo-home", title_en="A second hero")
    Partner.objects.create(name="Acme", url="https://example.com/other-acme")
print("edited")
"""


def test_demo_after_editor_changes_keeps_them_and_adds_what_is_missing(stack, demo):
    from conftest import SiteRun

    run = SiteRun(demo["slug"], demo["domain"], "", "", demo["dir"])
    edited = stack.site_python(run, "-c", EDITS.format(schema=demo["slug"], domain=demo["domain"]))
    assert edited.returncode == 0, edited.stderr[-2000:]

    again = stack.mortar(*demo["args"])
    assert "Traceback" not in again.stdout + again.stderr
    about = stack.get_fresh(demo["domain"], "/about/", lambda r: "About the editors" in r.text)
    assert about.text.count("About the editors") >= 1
    site = get(stack, demo["domain"], "/api/v1/site/").json()
    labels = [item["label"] for item in site["menus"]["header"]]
    assert labels == ["Home", "About", "Services", "Contact"]  # the missing ones added back
    assert get(stack, demo["domain"], "/contact/").status_code == 200  # re-made
    assert [p["name"] for p in site["partners"]].count("Acme") == 2  # the editor's kept


def test_demo_reset_starts_over_with_the_same_login(stack, demo):
    refused = stack.mortar(*demo["args"], "--reset", check=False, input="n\n")
    assert refused.returncode == 1 and "Aborted" in refused.stderr
    assert "About the editors" in get(stack, demo["domain"], "/about/").text

    out = stack.mortar(*demo["args"], "--reset", "--yes").stdout
    assert f"resetting the demo site {demo['slug']}" in out
    about = stack.get_fresh(demo["domain"], "/about/", lambda r: "About us" in r.text)
    assert "About us" in about.text  # the editors' edit is gone
    site = get(stack, demo["domain"], "/api/v1/site/").json()
    assert [p["name"] for p in site["partners"]] == ["Acme", "Globex", "Initech"]
    login = re.search(r"login +(\S+ / \S+)", demo["first"]).group(1)
    assert login in out
