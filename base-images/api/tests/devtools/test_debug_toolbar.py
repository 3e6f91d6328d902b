"""django-debug-toolbar: on in development only (DJANGO_DEBUG=true and the package
installed, as a site's requirements-dev.txt installs it), never with DEBUG off."""

from __future__ import annotations

import pytest
from conftest import domain_of, http_get, start_api_server, stop_process


def test_off_without_debug(settings):
    # the kit venv has the package installed: DEBUG off (these settings) keeps it out
    assert settings.MORTAR_DEBUG_TOOLBAR is False
    assert "debug_toolbar" not in settings.INSTALLED_APPS
    assert not any("debug_toolbar" in m for m in settings.MIDDLEWARE)


@pytest.mark.parametrize(("switch", "shown"), [("true", True), ("false", False)])
def test_shown_on_the_admin_in_debug(committed_db, tenant_a, tmp_path, switch, shown):
    # the base settings themselves (the test settings pin DJANGO_DEBUG=false); the test
    # database and Redis prefix are already in the environment
    proc, port = start_api_server(
        tmp_path,
        DJANGO_SETTINGS_MODULE="mortar_api.settings",
        DJANGO_DEBUG="true",
        MORTAR_DEBUG_TOOLBAR=switch,
    )
    try:
        status, html = http_get(port, "/admin/login/", domain_of(tenant_a))
        assert status == 200
        assert ('id="djDebug"' in html) is shown
        if shown:
            # its own URLs are under /api/ (the shared nginx routes /api/ to the api)
            assert 'data-render-panel-url="/api/__debug__/render_panel/"' in html
            assert http_get(port, "/api/__debug__/render_panel/", domain_of(tenant_a))[0] != 404
    finally:
        stop_process(proc)
