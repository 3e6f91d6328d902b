"""Login lockout through the real shared nginx: the address nginx sees is the one counted.

Visitors are told apart by their loopback source address (127.0.0.2, 127.0.0.3, ...), which
nginx puts last in X-Forwarded-For; what a visitor writes in that header themselves is not
trusted. The reset is the site's own `manage axes_reset`, as `mortar site manage` runs it.
"""

from __future__ import annotations

import http.client
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.e2e


def _request(stack, visitor: str, host: str, method: str, path: str, body=None, headers=None):
    conn = http.client.HTTPConnection(
        "127.0.0.1", stack.port, timeout=15, source_address=(visitor, 0)
    )
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


def _token(stack, visitor, host, username, password, spoofed="1.2.3.4"):
    status, headers, text = _request(
        stack, visitor, host, "POST", "/api/v1/auth/token/",
        body=json.dumps({"username": username, "password": password}),
        headers={"Content-Type": "application/json", "X-Forwarded-For": spoofed},
    )  # fmt: skip
    return status, headers, json.loads(text)


def _admin_login(stack, visitor, host, username, password):
    _s, headers, _t = _request(stack, visitor, host, "GET", "/admin/login/")
    cookie = SimpleCookie(headers["Set-Cookie"])["csrftoken"].value
    form = urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": cookie,
            "next": "/admin/",
        }
    )
    return _request(
        stack, visitor, host, "POST", "/admin/login/?next=/admin/", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"csrftoken={cookie}", "Referer": f"http://{host}/admin/login/"},
    )  # fmt: skip


def test_lockout_through_nginx(stack, sites):
    run = sites["alpha"]
    lines = dict(ln.strip().split(": ", 1) for ln in run.up_output.splitlines() if ": " in ln)
    user, password = lines["admin user"], lines["admin password (shown once)"]
    attacker, editor = "127.0.0.2", "127.0.0.3"

    # a fresh X-Forwarded-For every time does not make the attacker someone else
    for i in range(4):
        status, _h, body = _token(stack, attacker, run.domain, user, "wrong", f"10.0.0.{i}")
        assert status == 400, body
    status, headers, body = _token(stack, attacker, run.domain, user, "wrong", "10.0.0.99")
    assert status == 429 and body["detail"].startswith("Too many failed login attempts")
    assert headers["Retry-After"] == "900"
    assert _token(stack, attacker, run.domain, user, password)[0] == 429

    # the admin form shares the count: its lockout page is the site's, in the admin frame
    status, _h, page = _admin_login(stack, attacker, run.domain, user, password)
    assert status == 429 and "Too many failed login attempts" in page
    assert re.search(rf"<title>[^<]*\| {re.escape(run.marker)}</title>", page)

    # another visitor behind the same nginx is not locked out
    status, _h, body = _token(stack, editor, run.domain, user, password)
    assert status == 200 and len(body["token"]) == 40
    # nor is the same username on the other site (its own tenant, its own users)
    beta = sites["beta"]
    assert _token(stack, attacker, beta.domain, user, "wrong")[0] == 400

    reset = stack.site_python(run, "-m", "mortar_api.manage", "axes_reset", "--schema", run.slug)
    assert reset.returncode == 0 and f"{run.slug}: 1 attempt(s) removed" in reset.stdout, (
        reset.stdout + reset.stderr
    )
    assert _token(stack, attacker, run.domain, user, password)[0] == 200
