# ruff: noqa: E501  (a table of HTML cases reads best one case per line)
"""The rich-text editor: what it produces survives the sanitiser unchanged; widget and RTL."""

from __future__ import annotations

import json
import re

import pytest
from cms.conftest import make_page
from mortar_api.cms.html import sanitise_html

# Markup as django-prose-editor (Tiptap) serialises each toolbar feature with our config
# (captured from the editor in Chromium: base-images/web/tests/test_editor_browser_richtext.py
# checks the same markup comes out of the real editor).
EDITOR_OUTPUT = {
    "paragraph": "<p>Plain text &amp; “quotes” &lt;tag&gt;</p>",
    "empty paragraph": "<p></p>",
    "heading 2": "<h2>Section</h2>",
    "heading 3": "<h3>Sub-section</h3>",
    "heading 4": "<h4>Detail</h4>",
    "bold": "<p><strong>bold</strong> text</p>",
    "italic": "<p><em>italic</em> text</p>",
    "bold italic": "<p><strong><em>both</em></strong></p>",
    "link to URL": '<p><a href="https://example.org/x?a=1&amp;b=2" rel="noopener noreferrer">a site</a></p>',
    "link with title": '<p><a href="https://example.org/" title="Example" rel="noopener noreferrer">a site</a></p>',
    "link to a page": '<p><a href="/about/team/" rel="noopener noreferrer">the team</a></p>',
    "link to a page in Arabic": '<p><a href="/ar/about/" rel="noopener noreferrer">من نحن</a></p>',
    "mail link": '<p><a href="mailto:hello@example.org" rel="noopener noreferrer">mail</a></p>',
    "bulleted list": "<ul><li><p>one</p></li><li><p>two</p></li></ul>",
    "numbered list": "<ol><li><p>first</p></li><li><p>second</p></li></ol>",
    "nested list": "<ul><li><p>a</p><ol><li><p>a.1</p></li></ol></li></ul>",
    "blockquote": "<blockquote><p>Quoted words.</p></blockquote>",
    "table": '<table><tbody><tr><th colspan="1" rowspan="1"><p>Head</p></th><th colspan="1" rowspan="1"><p>Head 2</p></th></tr><tr><td colspan="1" rowspan="1"><p>cell</p></td><td colspan="2" rowspan="1"><p>wide</p></td></tr></tbody></table>',
    "image from the library": '<img src="/media/apitest_a/images/photo.png" alt="A red square">',
    "hard break": "<p>line one<br>line two</p>",
}


@pytest.mark.parametrize("html", EDITOR_OUTPUT.values(), ids=EDITOR_OUTPUT.keys())
def test_every_toolbar_feature_survives_the_sanitiser(html: str) -> None:
    assert sanitise_html(html) == html


def test_a_whole_document_survives_the_sanitiser() -> None:
    html = "".join(EDITOR_OUTPUT.values())
    assert sanitise_html(html) == html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<a href="javascript:alert(1)" rel="noopener noreferrer">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href=" JAVASCRIPT:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="vbscript:x" target="_blank">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="javascript:alert(1)" alt="a">', '<img alt="a">'),
        ('<img src="x" onerror="alert(1)">', '<img src="x">'),
        ('<p onclick="x()" style="background:url(x)">p</p>', "<p>p</p>"),
        ('<p dir="rtl;x" class="c">p</p>', "<p>p</p>"),
        ("<table><tbody><tr><td onmouseover='x()'><p>c</p></td></tr></tbody></table><script>x</script>",
         "<table><tbody><tr><td><p>c</p></td></tr></tbody></table>"),
        ('<svg onload="alert(1)"></svg><math><mi>x</mi></math><p>a</p>', "<p>a</p>"),
        ('<a href="https://x.test/" rel="opener">x</a>', '<a href="https://x.test/" rel="noopener noreferrer">x</a>'),
    ],
)  # fmt: skip
def test_the_allow_list_stays_safe(dirty: str, clean: str) -> None:
    assert sanitise_html(dirty) == clean


def _tag(html: str, name: str) -> str:
    match = re.search(rf'<textarea\b[^>]*\bname="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _config(tag: str) -> dict:
    raw = re.search(r'data-django-prose-editor-configurable="([^"]*)"', tag).group(1)
    return json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.django_db
def test_page_body_uses_the_editor_in_every_language(tenant_a, admin_client_for) -> None:
    html = admin_client_for(tenant_a).get("/admin/cms/page/add/").content.decode()
    en, ar = _tag(html, "body_en"), _tag(html, "body_ar")
    for tag, lang, direction in ((en, "en", "ltr"), (ar, "ar", "rtl")):
        assert f'dir="{direction}"' in tag and f'lang="{lang}"' in tag
        config = _config(tag)
        assert config["extensions"]["MortarDirection"] == {"dir": direction, "lang": lang}
        assert config["extensions"]["MortarPageLink"]["lang"] == lang
        assert config["extensions"]["Heading"] == {"levels": [2, 3, 4]}
        for feature in ("Bold", "Italic", "MortarLink", "BulletList", "OrderedList",
                        "Blockquote", "Table", "Image", "MortarMediaImage", "History"):  # fmt: skip
            assert config["extensions"][feature], feature
        assert "/static/mortar_cms/richtext.js" in config["js_modules"]
    # the editor's assets, the import map and the media chooser are on the page
    assert '<script type="importmap"' in html
    assert "/static/django_prose_editor/configurable.js" in html
    assert "/static/mortar_media/chooser.js" in html
    # the language tabs still work
    assert "/static/modeltranslation/js/tabbed_translation_fields.js" in html
    assert 'class="mt' in en or "mt-field" in en or "modeltranslation" in html


@pytest.mark.django_db
def test_body_saved_through_the_admin_is_kept(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.cms.models import Page

    body_en = "".join(EDITOR_OUTPUT.values())
    body_ar = EDITOR_OUTPUT["link to a page in Arabic"]
    resp = admin_client_for(tenant_a).post(
        "/admin/cms/page/add/",
        {
            "title_en": "Rich",
            "title_ar": "غني",
            "slug": "rich",
            "body_en": body_en,
            "body_ar": body_ar,
            "status": "draft",
            "order": "0",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    with in_tenant(tenant_a):
        page = Page.objects.get(slug="rich")
        assert (page.body_en, page.body_ar) == (body_en, body_ar)


@pytest.mark.django_db
def test_link_search_finds_pages_with_their_url_per_language(
    tenant_a, tenant_b, in_tenant, admin_client_for
) -> None:
    with in_tenant(tenant_a):
        about = make_page("About us", slug="about")
        make_page("Our team", slug="team", parent=about, title_ar="فريقنا")
        make_page("Home", slug="home", is_home=True)
    with in_tenant(tenant_b):
        make_page("Secret team of B", slug="secret-team")
    client = admin_client_for(tenant_a)
    url = "/admin/cms/page/link-search/"

    found = client.get(url, {"q": "team"}).json()["results"]
    assert [(p["title"], p["url"]) for p in found] == [("Our team", "/about/team/")]
    found_ar = client.get(url, {"q": "فريق", "lang": "ar"}).json()["results"]
    assert [p["url"] for p in found_ar] == ["/ar/about/team/"]
    home = client.get(url, {"q": "home", "lang": "ar"}).json()["results"]
    assert [p["url"] for p in home] == ["/ar/"]

    bad = client.get(url, {"lang": "xx"})
    assert bad.status_code == 400 and bad.json()["field"] == "lang"
    # not for visitors; and tenant B's admin sees only B's pages
    anonymous = client.__class__(HTTP_HOST="a.apitest.localhost").get(url, {"q": "team"})
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    other = admin_client_for(tenant_b).get(url, {"q": "team"}).json()["results"]
    assert [p["title"] for p in other] == ["Secret team of B"]


@pytest.mark.django_db
def test_preview_button_opens_the_draft_in_the_edited_language(
    tenant_a, in_tenant, admin_client_for
) -> None:
    from mortar_api.cms.preview import read_token

    with in_tenant(tenant_a):
        page = make_page("Draft", slug="draft")
    html = admin_client_for(tenant_a).get(f"/admin/cms/page/{page.pk}/change/").content.decode()
    assert "/static/mortar_cms/preview.js" in html
    raw = re.search(r'data-mortar-preview="([^"]*)"', html).group(1)
    data = json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))
    assert data["default"] == "en" and set(data["urls"]) == {"en", "ar"}
    en = re.fullmatch(r"//a\.apitest\.localhost/__preview/([^/]+)/", data["urls"]["en"])
    ar = re.fullmatch(r"//a\.apitest\.localhost/ar/__preview/([^/]+)/", data["urls"]["ar"])
    assert en and ar, data
    with in_tenant(tenant_a):
        assert read_token(en.group(1)) == page.pk and read_token(ar.group(1)) == page.pk
    # each language's link works without JavaScript too
    assert f'href="{data["urls"]["ar"]}"' in html


@pytest.mark.django_db
def test_add_form_says_save_first(tenant_a, admin_client_for) -> None:
    html = admin_client_for(tenant_a).get("/admin/cms/page/add/").content.decode()
    assert "Save the page first." in html and "data-mortar-preview" not in html
