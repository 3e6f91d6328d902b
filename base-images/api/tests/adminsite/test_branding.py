"""The admin says whose it is: the tenant's site name (per language), the kit in small print."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _title(resp) -> str:
    return re.search(r"<title>(.*?)</title>", resp.content.decode(), re.S).group(1).strip()


def _header(resp) -> str:
    return re.search(r'<div id="site-name">(.*?)</div>', resp.content.decode(), re.S).group(1)


def _name_site(tenant, in_tenant, **names: str) -> None:
    from mortar_api.cms.models import SiteSettings

    with in_tenant(tenant):
        site = SiteSettings.load()
        for field, value in names.items():
            setattr(site, field, value)
        site.save()


def test_header_and_tab_title_are_the_site_name(
    tenant_a, tenant_b, in_tenant, admin_client_for, client_for
) -> None:
    _name_site(tenant_a, in_tenant, site_name_en="Acme Bakery", site_name_ar="مخبز أكمي")
    _name_site(tenant_b, in_tenant, site_name_en="Bravo Books", site_name_ar="")

    index = admin_client_for(tenant_a).get("/admin/")
    assert _title(index) == "Site administration | Acme Bakery"
    header = _header(index)
    assert ">Acme Bakery</a>" in header and '<small class="mortar-kit">Mortar</small>' in header
    assert "Django" not in index.content.decode()

    login = client_for(tenant_b).get("/admin/login/")
    assert _title(login) == "Log in | Bravo Books"
    assert ">Bravo Books</a>" in _header(login)

    # in the admin's current language, falling back to the default language's name
    arabic = admin_client_for(tenant_a).get("/admin/", HTTP_ACCEPT_LANGUAGE="ar")
    assert "مخبز أكمي" in _title(arabic) and "مخبز أكمي" in _header(arabic)
    bravo_ar = client_for(tenant_b).get("/admin/login/", HTTP_ACCEPT_LANGUAGE="ar")
    assert "Bravo Books" in _title(bravo_ar)


def test_without_a_site_name_the_tenant_name_is_used(tenant_a, in_tenant, client_for) -> None:
    _name_site(tenant_a, in_tenant, site_name_en="", site_name_ar="")
    login = client_for(tenant_a).get("/admin/login/")
    assert _title(login) == f"Log in | {tenant_a.name}"


def test_site_name_is_escaped(tenant_a, in_tenant, client_for) -> None:
    _name_site(tenant_a, in_tenant, site_name_en="<b>Acme</b> & Co")
    page = client_for(tenant_a).get("/admin/login/").content.decode()
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in page and "<b>Acme</b>" not in page


def test_heroes_plural(tenant_a, admin_client_for) -> None:
    index = admin_client_for(tenant_a).get("/admin/").content.decode()
    assert ">Heroes</a>" in index and "Heros" not in index
    assert admin_client_for(tenant_a).get("/admin/cms/hero/").status_code == 200


def test_outside_a_tenant_the_kit_name(committed_db) -> None:
    from django.db import connection
    from mortar_api.adminsite.branding import site_name

    connection.set_schema_to_public()
    assert site_name() == "Mortar"
