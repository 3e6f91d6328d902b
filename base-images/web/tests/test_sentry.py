"""SENTRY_DSN turns on error reports (mortar_contract.errortracking) in web.

web's gunicorn with SENTRY_DSN pointing at a stand-in Sentry on loopback
(tests/support/sentrysink.py) renders a page through a site's broken template override (a
`{% url %}` of a view that does not exist: a real error in the page view); the envelope
carries the error and the site, role, release and tenant host tags. (Empty SENTRY_DSN =
off is tested on the shared function in the api tier.)
"""

from __future__ import annotations

from conftest import T1, Site
from mortar_contract import __version__ as mortar_version
from sentrysink import SentrySink, exception_of
from stack import free_port


def _broken_override(tmp_path):
    templates = tmp_path / "templates"
    (templates / "mortar_web").mkdir(parents=True)
    (templates / "mortar_web" / "page.html").write_text(
        '{% extends "mortar_web/base.html" %}'
        '{% block content %}{% url "no-such-view" %}{% endblock %}'
    )
    return str(templates)


def _start(stack, tmp_path, **env: str) -> Site:
    port = free_port()
    stack.start_web(
        workers=1,
        port=port,
        MORTAR_WEB_TEMPLATE_DIRS=_broken_override(tmp_path),
        MORTAR_WEB_STATIC_ROOT=str(tmp_path / "collected"),
        MORTAR_SITE_SLUG="webtest_site",
        MORTAR_VERSION=mortar_version,
        **env,
    )
    site = Site(stack, T1)
    site.base = f"http://127.0.0.1:{port}"
    return site


def test_page_view_error_reaches_sentry_with_site_role_release_and_host(stack, tmp_path):
    with SentrySink() as sink:
        site = _start(stack, tmp_path, SENTRY_DSN=sink.dsn, SITE_VERSION="3.1.4")
        try:
            assert site.get("/about/").status_code == 500
            event = sink.wait_for_event(lambda e: exception_of(e)[0] == "NoReverseMatch")
            assert site.get("/health/").status_code == 200
        finally:
            stack.stop(f"web-{site.base.rsplit(':', 1)[1]}")
    assert "no-such-view" in exception_of(event)[1]
    assert event["release"] == f"webtest_site@3.1.4+mortar.{mortar_version}"
    assert event["environment"] == "production"
    assert event["tags"] == event["tags"] | {
        "site": "webtest_site",
        "role": "web",
        "mortar_version": mortar_version,
        "site_version": "3.1.4",
        "tenant_host": T1,
    }
    assert "tenant_schema" not in event["tags"]  # web has no database to ask
    assert event["request"]["url"] == f"http://{T1}/about/"
    assert len(sink.events()) == 1
