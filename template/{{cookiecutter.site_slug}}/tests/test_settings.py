"""The site's settings extend mortar-api's rather than replace them."""

from django.conf import settings


def test_site_apps_are_tenant_apps():
    assert "site_apps.notices" in settings.TENANT_APPS
    assert "site_apps.notices" in settings.INSTALLED_APPS
    assert "mortar_api.cms" in settings.INSTALLED_APPS


def test_site_identity_comes_from_the_environment():
    assert settings.MORTAR_SITE_SLUG == "{{ cookiecutter.site_slug }}"
    assert settings.ROOT_URLCONF == "{{ cookiecutter.site_slug }}_api.urls"
    assert [code for code, _ in settings.LANGUAGES] == "{{ cookiecutter.languages }}".split(",")
