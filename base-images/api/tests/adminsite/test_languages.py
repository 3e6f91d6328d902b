"""Translated admin forms show the site's languages only, in tabs, with text direction."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

OTHER = ("fr", "de", "es")
TRANSLATED = ("title", "body", "blocks", "seo_title", "seo_description")


def _inputs(html: str) -> dict[str, str]:
    """name -> the whole opening tag of each input/textarea."""
    return {
        m.group(2): m.group(0)
        for m in re.finditer(r'<(input|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', html)
    }


def test_en_ar_site_edits_english_and_arabic_only(tenant_a, admin_client_for) -> None:
    html = admin_client_for(tenant_a).get("/admin/cms/page/add/").content.decode()
    inputs = _inputs(html)
    for field in TRANSLATED:
        assert f"{field}_en" in inputs and f"{field}_ar" in inputs, field
        for lang in OTHER:
            assert f"{field}_{lang}" not in inputs, (field, lang)
            assert f"id_{field}_{lang}" not in html
    assert 'dir="rtl"' in inputs["title_ar"] and 'lang="ar"' in inputs["title_ar"]
    assert 'dir="rtl"' in inputs["body_ar"]  # a textarea
    assert 'dir="ltr"' in inputs["title_en"] and 'lang="en"' in inputs["title_en"]
    assert "dir=" not in inputs["slug"]  # untranslated fields are left alone
    # modeltranslation's tabs, with jQuery UI's tabs served by the site (no CDN)
    assert "/static/mortar_adminsite/jquery-ui-tabs.js" in html
    assert "/static/modeltranslation/js/tabbed_translation_fields.js" in html
    assert "googleapis" not in html


def test_every_translated_admin_is_limited(tenant_a, in_tenant, admin_client_for) -> None:
    from mortar_api.cms.models import SiteSettings

    with in_tenant(tenant_a):
        SiteSettings.load()
    client = admin_client_for(tenant_a)
    for url in [
        "/admin/cms/sitesettings/1/change/",
        "/admin/cms/hero/add/",
        "/admin/cms/menuitem/add/",
        "/admin/cms/footerlink/add/",
        "/admin/media/mediaasset/add/",
    ]:
        inputs = _inputs(client.get(url).content.decode())
        localized = {n for n in inputs if re.search(r"_(en|ar|fr|de|es)$", n)}
        assert localized and {n[-2:] for n in localized} == {"en", "ar"}, url


def test_saving_through_the_admin_keeps_other_columns(
    tenant_a, in_tenant, admin_client_for
) -> None:
    from mortar_api.cms.models import Page

    resp = admin_client_for(tenant_a).post(
        "/admin/cms/page/add/",
        {
            "title_en": "Menu",
            "title_ar": "القائمة",
            "slug": "menu",
            "body_en": "<p>Bread</p>",
            "body_ar": "<p>خبز</p>",
            "status": "draft",
            "order": "0",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    with in_tenant(tenant_a):
        page = Page.objects.get(slug="menu")
        assert (page.title_en, page.title_ar, page.title_fr) == ("Menu", "القائمة", None)


def test_english_only_site_has_no_tabs(tenant_a, admin_client_for, settings) -> None:
    settings.LANGUAGES = [("en", "English")]
    html = admin_client_for(tenant_a).get("/admin/cms/page/add/").content.decode()
    inputs = _inputs(html)
    # (initial-blocks_en: Django's hidden initial value of a field with a callable default)
    localized = {n for n in inputs if re.search(r"_(en|ar|fr|de|es)$", n)}
    assert {n for n in localized if not n.startswith("initial-")} == {f"{f}_en" for f in TRANSLATED}
    assert "tabbed_translation_fields" not in html and "jquery-ui-tabs" not in html
    assert '<label class="required" for="id_title_en">Title:</label>' in html  # no "[en]"


def test_site_language_order(tenant_a, admin_client_for, settings) -> None:
    settings.LANGUAGES = [("ar", "العربيّة"), ("fr", "Français")]
    html = admin_client_for(tenant_a).get("/admin/cms/page/add/").content.decode()
    assert html.index('name="title_ar"') < html.index('name="title_fr"')
    assert 'name="title_en"' not in html
    assert 'dir="ltr"' in _inputs(html)["title_fr"]
