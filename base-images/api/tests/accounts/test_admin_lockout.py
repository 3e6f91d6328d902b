"""Failed admin logins are counted per tenant, username and real client address, then locked."""

from __future__ import annotations

import pytest
from accounts.conftest import NGINX, attempts, make_user, via_nginx
from conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.django_db

A_ADMIN = "admin@a.apitest.localhost"
LOCKED = "Too many failed login attempts: try again in 15 minutes."


def _fail(admin_login, tenant, times: int, username: str = A_ADMIN, **meta):
    return [admin_login(tenant, username, f"wrong-{i}", **meta) for i in range(times)]


def test_locked_out_after_five_failures_with_a_clear_page(tenant_a, admin_login) -> None:
    first = _fail(admin_login, tenant_a, 4)
    assert all(r.status_code == 200 and b"Please enter the correct" in r.content for r in first)

    fifth = admin_login(tenant_a, A_ADMIN, "wrong-again")
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert LOCKED in page
    assert fifth["Retry-After"] == "900" and fifth["Cache-Control"] == "no-store"
    assert 'id="site-name"' in page  # the admin's own frame, not a bare text answer
    assert '<p class="errornote" role="alert">' in page

    # the right password is refused too while locked out
    right = admin_login(tenant_a, A_ADMIN, ADMIN_PASSWORD)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert attempts(tenant_a) == [(A_ADMIN, "127.0.0.1", 6)]


def test_success_before_the_limit_forgets_the_failures(tenant_a, admin_login) -> None:
    _fail(admin_login, tenant_a, 4)
    assert admin_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).status_code == 302
    assert attempts(tenant_a) == []
    assert _fail(admin_login, tenant_a, 4)[-1].status_code == 200  # a fresh count


def test_lockout_of_one_tenant_never_locks_another(tenant_a, tenant_b, admin_login) -> None:
    # the same username (and password rules) exists on both tenants: each has its own users
    make_user(tenant_b, A_ADMIN, "b-side-password")
    _fail(admin_login, tenant_a, 5)
    assert admin_login(tenant_a, A_ADMIN, ADMIN_PASSWORD).status_code == 429

    ok = admin_login(tenant_b, A_ADMIN, "b-side-password")  # same username, same address
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert attempts(tenant_b) == []  # tenant A's failures live in tenant A's schema only

    # and failures on B count for B alone
    _fail(admin_login, tenant_b, 5)
    assert admin_login(tenant_b, A_ADMIN, "b-side-password").status_code == 429
    assert attempts(tenant_a) == [(A_ADMIN, "127.0.0.1", 6)]


def test_the_counted_address_is_the_one_nginx_added(tenant_a, admin_login) -> None:
    # A visitor rotating their own X-Forwarded-For entries is still one address...
    for i in range(4):
        resp = admin_login(tenant_a, A_ADMIN, "x", **via_nginx("203.0.113.7", f"10.9.9.{i}"))
        assert resp.status_code == 200
    resp = admin_login(tenant_a, A_ADMIN, "x", **via_nginx("203.0.113.7", "198.51.100.1"))
    assert resp.status_code == 429
    assert attempts(tenant_a) == [(A_ADMIN, "203.0.113.7", 5)]

    # ...and another visitor behind the same nginx is not: it still logs in.
    ok = admin_login(tenant_a, A_ADMIN, ADMIN_PASSWORD, **via_nginx("203.0.113.8"))
    assert ok.status_code == 302
    assert NGINX not in {ip for _u, ip, _n in attempts(tenant_a)}


def test_lockout_is_per_username_at_an_address(tenant_a, admin_login) -> None:
    make_user(tenant_a, "editor@a.apitest.localhost", "editor-password")
    _fail(admin_login, tenant_a, 5)
    # another account from the same address is not locked (MORTAR_LOGIN_LOCKOUT default)
    ok = admin_login(tenant_a, "editor@a.apitest.localhost", "editor-password")
    assert ok.status_code == 302


def test_address_lockout_when_configured(tenant_a, admin_login, settings) -> None:
    settings.AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # MORTAR_LOGIN_LOCKOUT=...
    make_user(tenant_a, "editor@a.apitest.localhost", "editor-password")
    for i in range(5):  # one guess each at five accounts: a password spray
        admin_login(tenant_a, f"nobody{i}@a.apitest.localhost", "x")
    assert admin_login(tenant_a, "editor@a.apitest.localhost", "editor-password").status_code == 429
    other = via_nginx("203.0.113.50")
    assert (
        admin_login(tenant_a, "editor@a.apitest.localhost", "editor-password", **other).status_code
        == 302
    )


def test_permanent_lockout_message_without_cooloff(tenant_a, admin_login, settings) -> None:
    settings.AXES_COOLOFF_TIME = None  # MORTAR_LOGIN_COOLOFF_MINUTES=0
    resp = _fail(admin_login, tenant_a, 5)[-1]
    assert resp.status_code == 429 and "Retry-After" not in resp
    assert "ask an administrator to unlock this account" in resp.content.decode()


def test_lockouts_are_listed_in_the_admin(tenant_a, admin_login, admin_client_for) -> None:
    _fail(admin_login, tenant_a, 5, username="intruder@a.apitest.localhost")
    client = admin_client_for(tenant_a)
    attempts_page = client.get("/admin/axes/accessattempt/")
    assert attempts_page.status_code == 200
    assert b"intruder@a.apitest.localhost" in attempts_page.content
    failures = client.get("/admin/axes/accessfailurelog/")
    assert failures.status_code == 200 and b"intruder@a.apitest.localhost" in failures.content


def test_client_login_without_a_request_still_works(tenant_a, client_for, in_tenant) -> None:
    # Django's test Client.login() authenticates without a request: nothing to count.
    client = client_for(tenant_a)
    with in_tenant(tenant_a):
        assert client.login(username=A_ADMIN, password=ADMIN_PASSWORD)
        assert not client.login(username=A_ADMIN, password="wrong")
    assert client.get("/admin/").status_code == 200


def test_old_login_logs_are_pruned(tenant_a, in_tenant, admin_login) -> None:
    from datetime import timedelta

    from axes.models import AccessFailureLog, AccessLog
    from django.utils import timezone
    from mortar_api.accounts.tasks import prune_login_logs

    admin_login(tenant_a, A_ADMIN, "wrong")
    admin_login(tenant_a, A_ADMIN, ADMIN_PASSWORD)
    with in_tenant(tenant_a):
        old = timezone.now() - timedelta(days=91)
        for model in (AccessFailureLog, AccessLog):  # attempt_time is auto_now_add
            row = model.objects.create(username="old@a.apitest.localhost")
            model.objects.filter(pk=row.pk).update(attempt_time=old)
        assert prune_login_logs() == {"access_logs": 1, "failure_logs": 1}
        for model in (AccessFailureLog, AccessLog):
            assert list(model.objects.values_list("username", flat=True)) == [A_ADMIN]


def test_prune_is_a_nightly_task_per_tenant() -> None:
    from mortar_api.tenancy.periodic import _registry

    spec = _registry["accounts: prune login logs"]
    assert spec.per_tenant and spec.task == "mortar_api.accounts.tasks.prune_login_logs"
