"""`mortar infra up --https` with the local CA: a real nginx in front of stub sites.

Python's ssl and curl verify the sites' certificates with the local root only (no system
store), HTTP redirects to HTTPS (ACME's challenge path excepted), the TLS settings are
what docs/shared-infra.md promises, and headless Chromium loads a site without a
certificate error once told to trust the root's key.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from http.client import HTTPConnection, HTTPSConnection
from pathlib import Path

import pytest
from infra_support import free_port, mortar, ok, write_site
from mortar_infra import nginx, tls
from mortar_infra.config import UsageError
from mortar_infra.manifest import load_site

CHROMIUM = os.environ.get("MORTAR_CHROMIUM", "/usr/bin/chromium")


class Https:
    def __init__(self, http: int, https: int, root: Path, up_output: str) -> None:
        self.http, self.https, self.root, self.up_output = http, https, root, up_output


@pytest.fixture
def https_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Https]:
    monkeypatch.setenv("MORTAR_HTTPS_PORT", str(free_port()))
    res = ok(mortar("infra", "up", "--https"))
    yield Https(
        int(os.environ["MORTAR_HTTP_PORT"]),
        int(os.environ["MORTAR_HTTPS_PORT"]),
        tls.ca_cert_path(),
        res.stdout + res.stderr,
    )
    mortar("infra", "down")


class _Loopback(HTTPSConnection):
    """HTTPS to 127.0.0.1 with `host` as SNI and the name verified (*.localhost does not
    resolve here outside browsers)."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _context(root: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(root))  # the local root, nothing else


def tls_get(
    port: int, host: str, root: Path, path: str = "/", ctx: ssl.SSLContext | None = None
) -> tuple[int, dict, dict[str, str]]:
    conn = _Loopback(host, port, timeout=10, context=ctx or _context(root))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        raw = resp.read()
        body = json.loads(raw) if raw.startswith(b"{") else {}
        return resp.status, body, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def http_get(port: int, host: str, path: str) -> tuple[int, dict[str, str]]:
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def _site(tmp_path: Path, upstreams, slug: str, domains: list[str]) -> None:
    api, web = upstreams[f"{slug}-api"], upstreams[f"{slug}-web"]
    nginx.register(load_site(write_site(tmp_path / "sites", slug, domains, api.port, web.port)))


def test_every_site_is_served_over_tls_signed_by_the_local_root(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    assert f"local CA  {https_stack.root}" in https_stack.up_output
    assert f"ok   https     local-ca  127.0.0.1:{https_stack.https}" in https_stack.up_output
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost", "www.alpha.localhost"])
    _site(tmp_path, upstreams, "ita_beta", ["beta.localhost"])
    for host, upstream in (
        ("alpha.localhost", "ita_alpha-web"),
        ("www.alpha.localhost", "ita_alpha-web"),
        ("beta.localhost", "ita_beta-web"),
    ):
        status, body, headers = tls_get(https_stack.https, host, https_stack.root, "/about/")
        assert status == 200 and body["upstream"] == upstream, host
        # the site knows it is behind HTTPS (Django's SECURE_PROXY_SSL_HEADER reads this)
        assert body["proto"] == "https"
        assert body["host"] == f"{host}:{https_stack.https}"
        # local CA: no HSTS (docs/shared-infra.md says why); the other headers as on HTTP
        assert "strict-transport-security" not in headers
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"

    # a certificate per site: alpha's does not name beta
    alpha = tls.local_dir("ita_alpha") / "fullchain.pem"
    assert tls.cert_domains(tls._load_cert(alpha)) == ["alpha.localhost", "www.alpha.localhost"]
    # an unknown name: nginx refuses the handshake (no certificate shown)
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
        _Loopback(
            "gamma.localhost", https_stack.https, context=_context(https_stack.root)
        ).connect()
    # without the local root nothing verifies (no system CA signs it)
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_get(
            https_stack.https, "beta.localhost", https_stack.root, ctx=ssl.create_default_context()
        )


def test_http_redirects_to_https_except_acme_challenges(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    status, headers = http_get(https_stack.http, "alpha.localhost", "/about/?q=1")
    assert status == 301
    assert headers["location"] == f"https://alpha.localhost:{https_stack.https}/about/?q=1"
    assert upstreams["ita_alpha-web"].hits == []  # answered by the edge
    challenge = nginx.acme_webroot() / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "tok123").write_text("tok123.thumb")
    status, headers = http_get(
        https_stack.http, "alpha.localhost", "/.well-known/acme-challenge/tok123"
    )
    assert status == 200 and headers["content-type"] == "text/plain"
    missing = http_get(https_stack.http, "alpha.localhost", "/.well-known/acme-challenge/nope")
    assert missing[0] == 404


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
def test_tls_settings_http2_and_modern_ciphers_only(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    res = subprocess.run(
        [
            "curl", "-sS", "--http2", "--cacert", str(https_stack.root),
            "--resolve", f"alpha.localhost:{https_stack.https}:127.0.0.1",
            "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
            f"https://alpha.localhost:{https_stack.https}/",
        ],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert res.stdout == "2 200", res.stderr
    # TLS 1.2 with a forward-secret AEAD cipher; TLS 1.1 and RSA key exchange are refused
    ctx = _context(https_stack.root)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    conn = _Loopback("alpha.localhost", https_stack.https, context=ctx)
    conn.connect()
    assert conn.sock.version() == "TLSv1.2" and conn.sock.cipher()[0].startswith("ECDHE-")
    conn.close()
    for narrow in ("TLSv1_1", "AES128-GCM-SHA256"):
        ctx = _context(https_stack.root)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if narrow == "TLSv1_1":
            ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        else:
            ctx.set_ciphers(narrow)
        with pytest.raises(ssl.SSLError):
            _Loopback("alpha.localhost", https_stack.https, context=ctx).connect()


def test_https_is_remembered_and_certificates_follow_the_domains(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    first = (tls.local_dir("ita_alpha") / "fullchain.pem").read_text()
    root = https_stack.root.read_bytes()
    ok(mortar("infra", "up"))  # no flag: HTTPS stays on, same root, same leaf
    assert tls.https_enabled() and https_stack.root.read_bytes() == root
    assert (tls.local_dir("ita_alpha") / "fullchain.pem").read_text() == first
    assert tls_get(https_stack.https, "alpha.localhost", https_stack.root)[0] == 200
    # a domain added later (as `tenant add` does): the certificate is reissued to cover it
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost", "t1.alpha.localhost"])
    assert tls_get(https_stack.https, "t1.alpha.localhost", https_stack.root)[0] == 200
    # --no-https: plain HTTP again, no redirect
    ok(mortar("infra", "up", "--no-https"))
    assert http_get(https_stack.http, "alpha.localhost", "/")[0] == 200
    with pytest.raises(OSError):
        tls_get(https_stack.https, "alpha.localhost", https_stack.root)


def test_chromium_loads_the_site_without_certificate_errors(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    url = f"https://alpha.localhost:{https_stack.https}/about/"
    spki = tls.spki_sha256(https_stack.root)
    assert f"spki sha256 {spki}" in https_stack.up_output
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
    with sync_api.sync_playwright() as pw:
        # Chromium alone refuses the local root (nothing trusts it)...
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            with pytest.raises(sync_api.Error, match="ERR_CERT_AUTHORITY_INVALID"):
                browser.new_page().goto(url)
        finally:
            browser.close()
        # ...and loads the page once the root's key is trusted, as a user's browser does
        # after importing the root.
        trusted = [*args, f"--ignore-certificate-errors-spki-list={spki}"]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=trusted, headless=True)
        try:
            page = browser.new_page()
            response = page.goto(url)
            assert response.status == 200
            assert json.loads(page.inner_text("body"))["proto"] == "https"
            assert response.security_details()["protocol"] in ("TLS 1.3", "TLS 1.2")
            assert page.evaluate("window.isSecureContext")
        finally:
            browser.close()


def test_compose_rendering_serves_tls_on_443_with_the_copied_certificates(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    out = tmp_path / "compose-nginx"
    ok(mortar("infra", "render-nginx", "--mode", "compose", "-o", str(out)))
    main = (out / "nginx.conf").read_text()
    vhost = (out / "sites" / "ita_alpha.conf").read_text()
    assert "listen 443 ssl http2 default_server;" in main
    assert "listen 443 ssl http2;" in vhost and "listen 80;" in vhost
    assert "ssl_certificate /etc/nginx/tls/ita_alpha/fullchain.pem;" in vhost
    assert f"return 301 https://$host:{https_stack.https}$request_uri;" in vhost
    copied = out / "tls" / "ita_alpha"
    assert (copied / "fullchain.pem").read_bytes() == (
        tls.local_dir("ita_alpha") / "fullchain.pem"
    ).read_bytes()
    assert (copied / "privkey.pem").stat().st_mode & 0o777 == 0o600
    # The rendered pair passes `nginx -t` (paths and ports moved to this machine's).
    etc = tmp_path / "etc"
    for sub in ("sites", "logs", "temp", "cache"):
        (etc / sub).mkdir(parents=True)
    local = {
        "/etc/nginx/tls": str(out / "tls"),
        "/etc/nginx/sites": str(etc / "sites"),
        "/var/log/nginx": str(etc / "logs"),
        "/var/cache/nginx/mortar": str(etc / "cache"),
        "/var/run/nginx.pid": str(etc / "nginx.pid"),
        "listen 443": f"listen 127.0.0.1:{free_port()}",
        "listen 80": f"listen 127.0.0.1:{free_port()}",
    }
    for src, dest in ((main, etc / "nginx.conf"), (vhost, etc / "sites" / "a.conf")):
        for old, new in local.items():
            src = src.replace(old, new)
        dest.write_text(src)
    res = subprocess.run(
        [nginx.nginx_bin(), "-t", "-p", f"{etc}/", "-c", str(etc / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr


def test_bad_input_is_refused_before_anything_changes(tmp_path: Path, monkeypatch) -> None:
    for args, env, message in (
        (["--https"], {"MORTAR_HTTPS_PORT": "https"}, "MORTAR_HTTPS_PORT must be a port number"),
        (["--https"], {"MORTAR_HTTPS_PORT": "70000"}, "MORTAR_HTTPS_PORT out of range: 70000"),
        (["--acme-directory", "acme.example/dir"], {}, "--acme-directory must be an http(s) URL"),
        (["--acme-ca-bundle", str(tmp_path / "none.pem")], {}, "none.pem: no such file"),
    ):
        with monkeypatch.context() as m:
            for k, v in env.items():
                m.setenv(k, v)
            res = mortar("infra", "up", *args)
        assert res.returncode == 2 and message in res.stderr, (args, res.stderr)
        assert not tls.https_enabled() and not (tmp_path / "home" / "nginx").exists()
    res = mortar("infra", "renew")  # nothing to renew from
    assert res.returncode == 2 and "no ACME server set" in res.stderr


def test_a_damaged_local_root_is_reported_not_served(
    https_stack: Https, tmp_path: Path, upstreams
) -> None:
    https_stack.root.write_text("not a certificate\n")
    with pytest.raises(UsageError, match=r"root\.pem is not a PEM certificate; remove"):
        _site(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    assert not nginx.vhost_path("ita_alpha").exists()  # nothing half-routed
