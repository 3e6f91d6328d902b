"""ACME certificates for real: Pebble (Let's Encrypt's test CA) issues through certbot.

Pebble validates HTTP-01 by fetching `/.well-known/acme-challenge/<token>` from the shared
nginx's HTTP port (its `httpPort`), finding every name at 127.0.0.1 through
pebble-challtestsrv's mock DNS: the whole path a real CA takes. curl/Python verify the
served certificates with Pebble's root only (from its management endpoint).
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from infra_support import free_port, get, mortar, ok, write_site
from mortar_infra import acme, nginx, tls
from mortar_infra.config import nginx_bin
from mortar_infra.envfile import read_env
from mortar_infra.manifest import load_site
from mortar_infra.probes import tcp_ok
from test_https import _Loopback, http_get, tls_get

PEBBLE = shutil.which("pebble") or "/usr/bin/pebble"
CHALLTESTSRV = shutil.which("pebble-challtestsrv") or "/usr/bin/pebble-challtestsrv"
pytestmark = pytest.mark.skipif(
    not (Path(PEBBLE).exists() and shutil.which("certbot")),
    reason="pebble/certbot missing: scripts/install-system-deps (apt-get install pebble certbot)",
)


class Pebble:
    def __init__(self, directory: str, root: Path, https: int, http: int) -> None:
        self.directory, self.root, self.https, self.http = directory, root, https, http


def _wait_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited: {log.read_text()[-2000:]}")
        if tcp_ok(port):
            return
        time.sleep(0.1)
    raise AssertionError(f"port {port} never answered: {log.read_text()[-2000:]}")


@pytest.fixture
def pebble(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pebble]:
    """Pebble + its mock DNS (every name -> 127.0.0.1), validating against this test's nginx
    HTTP port; `mortar infra up --https --acme-directory` pointed at it."""
    work = tmp_path / "pebble"
    # Pebble's own HTTPS certificate: from a throwaway "local CA" in its own home.
    with monkeypatch.context() as m:
        m.setenv("MORTAR_HOME", str(work))
        api_root = tls.ensure_local_ca()
        api_cert = tls.ensure_local_cert("pebble", ["localhost", "127.0.0.1"])
    http, https = int(os.environ["MORTAR_HTTP_PORT"]), free_port()
    monkeypatch.setenv("MORTAR_HTTPS_PORT", str(https))
    listen, mgmt, dns = free_port(), free_port(), free_port()
    config = work / "pebble.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": f"127.0.0.1:{listen}",
                    "managementListenAddress": f"127.0.0.1:{mgmt}",
                    "certificate": str(api_cert.fullchain),
                    "privateKey": str(api_cert.key),
                    "httpPort": http,  # HTTP-01 goes to the shared nginx
                    "tlsPort": free_port(),
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    procs = []
    dns_log, pebble_log = work / "dns.log", work / "pebble.log"
    try:
        procs.append(
            subprocess.Popen(
                [CHALLTESTSRV, "-dns01", f"127.0.0.1:{dns}", "-http01", "", "-https01", "",
                 "-tlsalpn01", "", "-management", f"127.0.0.1:{free_port()}",
                 "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""],
                stdout=dns_log.open("w"), stderr=subprocess.STDOUT,
            )
        )  # fmt: skip
        procs.append(
            subprocess.Popen(
                [PEBBLE, "-config", str(config), "-dnsserver", f"127.0.0.1:{dns}"],
                stdout=pebble_log.open("w"), stderr=subprocess.STDOUT, env=env,
            )
        )  # fmt: skip
        _wait_port(listen, procs[1], pebble_log)
        _wait_port(mgmt, procs[1], pebble_log)
        # The root Pebble signs with (made at its start), from its management endpoint.
        ctx = ssl.create_default_context(cafile=str(api_root))
        conn = _Loopback("localhost", mgmt, timeout=10, context=ctx)
        conn.request("GET", "/roots/0")
        root = work / "pebble-root.pem"
        root.write_bytes(conn.getresponse().read())
        conn.close()
        directory = f"https://localhost:{listen}/dir"
        up = ok(mortar("infra", "up", "--https", "--acme-directory", directory,
                       "--acme-ca-bundle", str(api_root)))  # fmt: skip
        assert f"ok   https     acme      127.0.0.1:{https}  ({directory})" in up.stdout
        yield Pebble(directory, root, https, http)
    finally:
        mortar("infra", "down")
        for p in procs:
            p.terminate()
            p.wait(10)


def _site(tmp_path: Path, upstreams, slug: str, domains: list[str]):
    api, web = upstreams[f"{slug}-api"], upstreams[f"{slug}-web"]
    site = load_site(write_site(tmp_path / "sites", slug, domains, api.port, web.port))
    nginx.register(site)
    return site


def _serial(port: int, host: str, root: Path) -> int:
    conn = _Loopback(host, port, timeout=10, context=ssl.create_default_context(cafile=str(root)))
    conn.connect()
    der = conn.sock.getpeercert(binary_form=True)
    conn.close()
    from cryptography import x509

    return x509.load_der_x509_certificate(der).serial_number


def test_sites_get_their_own_certificates_and_renewal_replaces_them(
    pebble: Pebble, tmp_path: Path, upstreams
) -> None:
    one = _site(tmp_path, upstreams, "ita_one", ["one.localhost", "www.one.localhost"])
    # before the certificate: plain HTTP (no local CA certificate with an ACME server set)
    assert get(pebble.http, "one.localhost")[0] == 200
    started = time.monotonic()
    out = acme.secure(one)
    print(f"certificate issued in {time.monotonic() - started:.1f} s")
    assert out.state == "issued", out
    for host in ("one.localhost", "www.one.localhost"):
        status, body, headers = tls_get(pebble.https, host, pebble.root)
        assert status == 200 and body["upstream"] == "ita_one-web" and body["proto"] == "https"
        # a real CA's certificate: HSTS
        assert headers["strict-transport-security"] == "max-age=31536000"
    assert http_get(pebble.http, "one.localhost", "/a")[1]["location"] == (
        f"https://one.localhost:{pebble.https}/a"
    )
    res = subprocess.run(
        ["curl", "-sS", "--cacert", str(pebble.root), "-o", "/dev/null", "-w", "%{http_code}",
         "--resolve", f"one.localhost:{pebble.https}:127.0.0.1",
         f"https://one.localhost:{pebble.https}/"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert res.stdout == "200", res.stderr

    two = _site(tmp_path, upstreams, "ita_two", ["two.localhost"])
    assert acme.secure(two).state == "issued"
    assert tls_get(pebble.https, "two.localhost", pebble.root)[1]["upstream"] == "ita_two-web"
    assert tls.cert_domains_of(tls.acme_dir("ita_two") / "fullchain.pem") == ["two.localhost"]

    # not due: kept; `infra renew --force`: every certificate replaced, nginx reloaded
    assert acme.secure(one).state == "kept"
    before = {h: _serial(pebble.https, h, pebble.root) for h in ("one.localhost", "two.localhost")}
    res = ok(mortar("infra", "renew", "--force"))
    assert "ita_one          renewed" in res.stdout and "ita_two          renewed" in res.stdout
    for host, serial in before.items():
        assert _serial(pebble.https, host, pebble.root) != serial, host


def test_a_new_domain_waits_on_http_until_the_certificate_names_it(
    pebble: Pebble, tmp_path: Path, upstreams
) -> None:
    one = _site(tmp_path, upstreams, "ita_one", ["one.localhost"])
    assert acme.secure(one).state == "issued"
    # as `tenant add` routes a domain: before the new certificate, it is served over HTTP
    wider = _site(tmp_path, upstreams, "ita_one", ["one.localhost", "t2.localhost"])
    assert get(pebble.http, "t2.localhost")[0] == 200
    assert http_get(pebble.http, "one.localhost", "/")[0] == 301
    assert acme.secure(wider).state == "renewed"  # replaced by one naming both
    assert tls_get(pebble.https, "t2.localhost", pebble.root)[0] == 200
    assert http_get(pebble.http, "t2.localhost", "/")[0] == 301


def test_an_unreachable_ca_leaves_the_site_on_http(
    pebble: Pebble, tmp_path: Path, upstreams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MORTAR_ACME_DIRECTORY", f"https://localhost:{free_port()}/dir")
    one = _site(tmp_path, upstreams, "ita_one", ["one.localhost"])
    out = acme.secure(one)
    assert out.state == "failed" and out.detail.endswith("the site stays on HTTP"), out
    assert "Connection refused" in out.detail
    assert get(pebble.http, "one.localhost")[0] == 200  # served, not redirected
    nginx.check_config()  # no broken vhost
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
        tls_get(pebble.https, "one.localhost", pebble.root)
    res = mortar("infra", "renew")
    assert res.returncode == 1 and "ita_one          failed" in res.stdout, res.stdout


def _start_compose_nginx(ngx: Path, webroot: Path, log: Path) -> subprocess.Popen:
    """The Compose stack's nginx without a Docker engine: the rendered config run by this
    machine's nginx in a mount namespace holding compose.yml's mounts (`nginx/` at
    /etc/nginx, so its tls/ is /etc/nginx/tls; MORTAR_ACME_WEBROOT at /srv/acme). It listens
    on the host's 80 and 443, as the container's ports."""
    test_conf = nginx.render_main("compose", conf_dir="/etc/nginx").replace(
        "listen 127.0.0.1:8081;", f"listen 127.0.0.1:{free_port()};"
    )
    (ngx / "test-nginx.conf").write_text(test_conf)
    for sub in ("logs", "temp", "cache"):
        (ngx / sub).mkdir(exist_ok=True)
    script = (
        f"mount --bind {ngx} /etc/nginx && mount -t tmpfs tmpfs /srv && mkdir /srv/acme"
        f" && mount --bind {webroot} /srv/acme && exec {nginx_bin()} -p /etc/nginx/"
        " -c /etc/nginx/test-nginx.conf -e /etc/nginx/logs/error.log -g 'daemon off;'"
    )
    return subprocess.Popen(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def test_compose_stack_gets_its_certificates_through_renew(
    pebble: Pebble, tmp_path: Path, upstreams
) -> None:
    if tcp_ok(80) or tcp_ok(443) or not Path("/etc/nginx").is_dir() or os.geteuid() != 0:
        pytest.skip("needs root, /etc/nginx and the host's ports 80/443 free")
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:  # e.g. inside a chroot, where / is not a mount point
        pytest.skip(f"no private mount namespace here: {probe.stderr.strip()}")
    compose_dir = tmp_path / "shared-infra"
    compose_dir.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "shared-infra" / "compose.yml", compose_dir)
    _site(tmp_path, upstreams, "ita_one", ["one.localhost"])
    ok(mortar("infra", "compose-init", "--dir", str(compose_dir)))  # HTTPS + ACME remembered
    assert read_env(compose_dir / ".env")["MORTAR_ACME_WEBROOT"] == str(nginx.acme_webroot())
    ngx = compose_dir / "nginx"
    assert "root /srv/acme;" in (ngx / "sites" / "ita_one.conf").read_text()
    assert not (ngx / "tls" / "ita_one").exists()  # no certificate yet: plain HTTP

    proc = _start_compose_nginx(ngx, nginx.acme_webroot(), tmp_path / "compose-nginx.log")
    try:
        _wait_port(80, proc, tmp_path / "compose-nginx.log")
        # A challenge certbot writes on the host is answered by the "container".
        token = nginx.acme_webroot() / ".well-known" / "acme-challenge" / "probe-token"
        token.parent.mkdir(parents=True, exist_ok=True)
        token.write_text("probe-answer")
        status, body = get(80, "one.localhost", "/.well-known/acme-challenge/probe-token")
        assert (status, body) == (200, "probe-answer")
        token.unlink()

        pid = (ngx / "nginx.pid").read_text().strip()
        reload_cmd = f"sh -c 'kill -HUP {pid} && touch {tmp_path}/reloaded'"
        args = ("infra", "renew", "--compose-dir", str(compose_dir), "--reload-cmd", reload_cmd)
        res = ok(mortar(*args))
        assert "ita_one          issued" in res.stdout
        assert "Compose nginx reloaded with the new certificates" in res.stderr + res.stdout
        assert (tmp_path / "reloaded").exists()
        issued = tls.acme_dir("ita_one") / "fullchain.pem"
        assert (ngx / "tls" / "ita_one" / "fullchain.pem").read_bytes() == issued.read_bytes()
        assert (
            "ssl_certificate /etc/nginx/tls/ita_one/fullchain.pem;"
            in (ngx / "sites" / "ita_one.conf").read_text()
        )
        # The container's 443 serves the CA's certificate (verified with Pebble's root only).
        from cryptography import x509

        want = x509.load_pem_x509_certificate(issued.read_bytes()).serial_number
        deadline = time.monotonic() + 10
        while True:
            try:
                if _serial(443, "one.localhost", pebble.root) == want:
                    break
            except (OSError, ssl.SSLError):
                pass
            assert time.monotonic() < deadline, (tmp_path / "compose-nginx.log").read_text()
            time.sleep(0.2)

        # A reload that fails is one clear error (exit 1); the certificate stays in place.
        bad = mortar(*args[:-1], "false", "--force")
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert "reloading the Compose nginx failed (false)" in bad.stderr
        # --reload-cmd alone is a usage error
        assert mortar("infra", "renew", "--reload-cmd", "true").returncode == 2
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
