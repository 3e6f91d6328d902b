"""A tenant in maintenance or suspended: web shows its styled 503 page for that tenant alone
(never a 500, never a stale cached page of it); the other tenant and health are unaffected."""

from __future__ import annotations

import requests
from conftest import T1, Site


def _set_state(stack, state: str) -> None:
    stack.manage_api(
        "shell", "-c", f"from mortar_api.tenancy import states; states.set_state(['t1'], '{state}')"
    )


def test_suspended_tenant_gets_the_suspended_page_then_comes_back(stack, t1: Site, t2: Site):
    assert t1.get("/about/").status_code == 200
    assert t1.get("/about/").headers.get("X-Mortar-Cache") == "hit"  # a cached page exists
    assert "t1: suspended" in stack.manage_api("tenant_state", "t1", "suspend")
    try:
        page = t1.get("/about/")
        assert page.status_code == 503  # not the cached page
        assert "<h1>Site unavailable</h1>" in page.text
        assert "About Tenant One" not in page.text and "Traceback" not in page.text
        assert page.headers["Retry-After"].isdigit()
        assert page.headers["Cache-Control"] == "private, no-store"
        arabic = t1.get("/ar/")
        assert arabic.status_code == 503 and "الموقع غير متاح" in arabic.text
        assert t2.get("/about/").status_code == 200  # the other tenant serves normally
        assert t1.get("/health/").status_code == 200  # web's health is not the tenant's
        api = requests.get(
            f"http://127.0.0.1:{stack.api_port}/api/v1/site/", headers={"Host": T1}, timeout=10
        )
        assert api.status_code == 503 and api.json()["code"] == "tenant_suspended"
    finally:
        stack.manage_api("tenant_state", "t1", "resume")
    back = t1.get("/about/")
    assert back.status_code == 200 and "About Tenant One" in back.text


def test_maintenance_page(stack, t1: Site, t2: Site):
    _set_state(stack, "maintenance")
    try:
        page = t1.get("/about/")
        assert page.status_code == 503 and "<h1>Down for maintenance</h1>" in page.text
        assert "About Tenant One" not in page.text
        assert t1.get("/contact/").status_code == 503
        assert t2.get("/").status_code == 200
    finally:
        _set_state(stack, "active")
    assert t1.get("/about/").status_code == 200
