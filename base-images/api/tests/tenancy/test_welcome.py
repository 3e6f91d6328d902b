"""A new tenant greets its owner: site name, a published welcome home page, a header menu.

Seeded once at creation (every path: create_tenant, add_tenant, ensure_first_tenant) and
never again, so what an editor changes afterwards is kept.
"""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context
from mortar_api.cms.models import MenuItem, Page, SiteSettings


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _schema() -> str:
    return f"apitest_w{uuid.uuid4().hex[:8]}"


def _host(schema: str) -> str:
    return f"{schema.replace('_', '-')}.apitest.localhost"


def test_new_tenant_is_seeded_in_every_enabled_language(make_tenant, clear_cache):
    tenant = make_tenant(name="Fresh Check")
    with schema_context(tenant.schema_name):
        site = SiteSettings.load()
        assert (site.site_name_en, site.site_name_ar) == ("Fresh Check", "Fresh Check")
        assert not site.site_name_fr  # fr is not enabled (MORTAR_LANGUAGES=en,ar)
        home = Page.objects.get(is_home=True)
        assert home.is_published and home.path == "home"
        assert home.title_en == "Welcome to Fresh Check"
        assert home.title_ar == "مرحباً بكم في Fresh Check"
        assert "/admin/" in home.body_en and "/admin/" in home.body_ar
        (item,) = MenuItem.objects.filter(location="header")
        assert item.page_id == home.pk and (item.label_en, item.label_ar) == ("Home", "الرئيسية")

    host = tenant.domains.first().domain
    client = Client()
    data = client.get("/api/v1/site/", HTTP_HOST=host).json()
    assert data["settings"]["site_name"] == "Fresh Check"
    assert data["home_path"] == "home"
    assert [i["label"] for i in data["menus"]["header"]] == ["Home"]
    ar = client.get("/api/v1/home/?lang=ar", HTTP_HOST=host).json()
    assert ar["title"] == "مرحباً بكم في Fresh Check"
    assert 'href="/admin/"' in ar["body"]  # the seed's HTML survives the sanitiser


def test_empty_tenant_has_no_content(make_tenant):
    tenant = make_tenant(welcome=False)
    with schema_context(tenant.schema_name):
        assert not Page.objects.exists() and not MenuItem.objects.exists()
        assert SiteSettings.load().site_name == ""


def test_add_tenant_seeds_with_its_name_unless_empty(committed_db):
    seeded, empty = _schema(), _schema()
    try:
        run("add_tenant", "--schema", seeded, "--domain", _host(seeded), "--name", "Shop Two")
        run("add_tenant", "--schema", empty, "--domain", _host(empty), "--empty")
        with schema_context(seeded):
            assert Page.objects.get(is_home=True).title_en == "Welcome to Shop Two"
        with schema_context(empty):
            assert not Page.objects.exists()
    finally:
        for schema in (seeded, empty):
            call_command("remove_tenant", "--schema", schema, "--yes", stdout=StringIO())


def test_ensure_first_tenant_seeds_once_and_keeps_edits(committed_db, settings):
    schema = _schema()
    settings.MORTAR_SITE_SLUG, settings.MORTAR_DOMAINS = schema, [_host(schema)]
    settings.MORTAR_SITE_NAME = "Acme Ltd"
    try:
        run("ensure_first_tenant", "--admin-email", "boss@example.com")
        with schema_context(schema):
            home = Page.objects.get(is_home=True)
            assert home.title_en == "Welcome to Acme Ltd"
            # an editor changes the page and the name, and deletes the menu item
            home.title_en = "Acme home"
            home.save(revision_note="edited in admin")
            site = SiteSettings.load()
            site.site_name_en = "Acme"
            site.save()
            MenuItem.objects.all().delete()
        run("ensure_first_tenant")  # what every `site up` runs
        with schema_context(schema):
            assert list(Page.objects.values_list("title_en", flat=True)) == ["Acme home"]
            assert SiteSettings.load().site_name_en == "Acme"
            assert not MenuItem.objects.exists()
    finally:
        call_command("remove_tenant", "--schema", schema, "--yes", stdout=StringIO())


@pytest.mark.parametrize("name", ["Café «Ωμέγα»", 'Quote "and" back\\slash', "x" * 200])
def test_any_site_name_seeds(make_tenant, name):
    tenant = make_tenant(name=name[:200])
    with schema_context(tenant.schema_name):
        title = Page.objects.get(is_home=True).title_en
        assert title.startswith("Welcome to ") and len(title) <= 200
        assert SiteSettings.load().site_name_en == name[:200]
