"""Per-address request limits and security headers at the edge, through a real nginx.

Visitors are told apart by their loopback source address (127.0.0.2, 127.0.0.3, ...).
"""

from __future__ import annotations

import re
from http.client import HTTPConnection
from pathlib import Path

import pytest
from infra_support import write_site
from mortar_infra import nginx
from mortar_infra.manifest import ManifestError, load_site


def request(
    port: int,
    path: str,
    method: str = "GET",
    visitor: str = "127.0.0.2",
    host: str = "lim.localhost",
) -> tuple[int, dict[str, str], str]:
    conn = HTTPConnection("127.0.0.1", port, timeout=10, source_address=(visitor, 0))
    try:
        body = b"x=1" if method == "POST" else None
        conn.request(method, path, body=body, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


def _site(tmp_path: Path, upstreams, limits: str = "") -> None:
    api, web = upstreams["ita_lim-api"], upstreams["ita_lim-web"]
    site = write_site(tmp_path / "sites", "ita_lim", ["lim.localhost"], api.port, web.port)
    if limits:
        (site / "mortar.toml").write_text(
            (site / "mortar.toml").read_text() + f"\n[nginx.limits]\n{limits}\n"
        )
    nginx.register(load_site(site))


def test_login_and_contact_posts_are_limited_per_address(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams)
    # the admin form and the token endpoint share one count: 10 at once, then 10 a minute
    paths = ["/admin/login/", "/api/v1/auth/token/"] * 6
    statuses = [request(stack, p, "POST")[0] for p in paths]
    assert statuses == [200] * 11 + [429], statuses
    status, headers, body = request(stack, "/admin/login/", "POST")
    assert status == 429 and headers["retry-after"] == "6" and "retry after 6 s" in body
    assert headers["content-security-policy"] == nginx.CONTENT_SECURITY_POLICY
    # reading the login page is not counted, nor is another visitor
    assert {request(stack, "/admin/login/")[0] for _ in range(12)} == {200}
    assert request(stack, "/admin/login/", "POST", visitor="127.0.0.3")[0] == 200
    # the contact form in every language and the api's endpoint: their own count
    paths = ["/contact/", "/ar/contact/", "/api/v1/contact/"] * 4
    statuses = [request(stack, p, "POST")[0] for p in paths]
    assert statuses == [200] * 11 + [429], statuses
    assert request(stack, "/about/", "POST")[0] == 200  # other posts: the site-wide limit only


def test_limits_are_overridden_in_the_manifest(stack: int, tmp_path: Path, upstreams) -> None:
    _site(tmp_path, upstreams, 'login = "off"\nsite = "5r/s"')
    vhost = nginx.vhost_path("ita_lim").read_text()
    assert "mortar_ita_lim_login" not in vhost and "rate=5r/s" in vhost
    assert {request(stack, "/admin/login/", "POST")[0] for _ in range(15)} == {200}
    # site-wide: 20 at once, then 5 a second (the 15 logins above counted too)
    answers = [request(stack, "/about/") for _ in range(15)]
    limited = [a for a in answers if a[0] == 429]
    assert limited and limited[0][1]["retry-after"] == "1"
    assert request(stack, "/about/", visitor="127.0.0.4")[0] == 200


def test_a_bad_limit_is_refused(tmp_path: Path) -> None:
    site = write_site(tmp_path, "ita_lim", ["lim.localhost"])
    manifest = site / "mortar.toml"
    text = manifest.read_text()
    for bad, message in (
        ('login = "lots"', "must be like"),
        ('login = "0r/s"', "must be like"),
        ("login = 5", "must be like"),
        ('sitewide = "5r/s"', "unknown limit"),
    ):
        manifest.write_text(text + f"\n[nginx.limits]\n{bad}\n")
        with pytest.raises(ManifestError, match=message):
            load_site(site)


def test_security_headers_unless_the_site_sends_its_own(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams)
    _, headers, _ = request(stack, "/about/")
    assert headers["content-security-policy"] == nginx.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in headers["content-security-policy"]
    assert headers["permissions-policy"] == nginx.PERMISSIONS_POLICY
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-content-type-options"] == "nosniff"
    web = upstreams["ita_lim-web"]
    web.headers.update(
        {"Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "no-referrer"}
    )
    conn = HTTPConnection("127.0.0.1", stack, timeout=10)
    conn.request("GET", "/other/", headers={"Host": "lim.localhost"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.headers.get_all("Content-Security-Policy") == ["default-src 'none'"]
    assert resp.headers.get_all("Referrer-Policy") == ["no-referrer"]
    assert resp.headers.get_all("X-Content-Type-Options") == ["nosniff"]


def test_the_admins_import_map_gets_a_fresh_nonce_its_policy_allows(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams)
    nonces = []
    for path in ("/admin/cms/page/1/change.html", "/admin/login/.html", "/admin/x.html"):
        _, headers, body = request(stack, path)
        nonce = re.search(r'<script type="importmap" nonce="([0-9a-f]{32})">', body).group(1)
        policy = headers["content-security-policy"]
        assert f"script-src 'self' 'nonce-{nonce}';" in policy, path
        assert policy.replace(f" 'nonce-{nonce}'", "") == nginx.CONTENT_SECURITY_POLICY
        nonces.append(nonce)
    assert len(set(nonces)) == 3  # one per request
    # public pages get no nonce: no inline script at all
    _, headers, body = request(stack, "/about.html")
    assert 'type="importmap">' in body
    assert headers["content-security-policy"] == nginx.CONTENT_SECURITY_POLICY
