"""Routing by server_name through a real nginx, with reload and rollback."""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path

import pytest
from infra_support import get, mortar, ok, write_site
from mortar_infra import nginx
from mortar_infra.manifest import load_site


def _register_pair(tmp_path: Path, upstreams, name: str, domains: list[str]) -> Path:
    api, web = upstreams[f"{name}-api"], upstreams[f"{name}-web"]
    site = write_site(tmp_path / "sites", name, domains, api.port, web.port)
    # In-process for speed; the CLI path is exercised by the tests that assert on its output.
    nginx.register(load_site(site))
    return site


def test_two_sites_routed_by_host(stack: int, tmp_path: Path, upstreams) -> None:
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost", "www.alpha.localhost"])
    api, web = upstreams["ita_beta-api"], upstreams["ita_beta-web"]
    beta = write_site(tmp_path / "sites", "ita_beta", ["beta.localhost"], api.port, web.port)
    res = ok(mortar("site", "register", str(beta)))
    assert "live (nginx reloaded)" in res.stdout

    status, body = get(stack, "alpha.localhost", "/about/")
    assert status == 200 and body["upstream"] == "ita_alpha-web"
    assert body["path"] == "/about/"
    # Proxy headers: the visitor's Host (normalised), the client address, the scheme.
    assert body["host"] == "alpha.localhost"
    assert body["xff"] == "127.0.0.1" and body["proto"] == "http"
    assert body["fwd_host"] == "alpha.localhost"
    # Other spellings of the same host reach the site in the contract's spelling
    # (mortar_contract.hosts); a port the visitor gave is kept (it is part of the origin).
    for spelling, passed in (
        ("ALPHA.localhost.", "alpha.localhost"),
        ("Alpha.Localhost.:8080", "alpha.localhost:8080"),
        ("alpha.localhost:8080", "alpha.localhost:8080"),
    ):
        status, body = get(stack, spelling, "/about/")
        assert status == 200 and (body["host"], body["fwd_host"]) == (passed, passed), spelling

    for path in ("/api/v1/site/", "/admin/", "/admin", "/static/x.css", "/media/a/b.png"):
        status, body = get(stack, "www.alpha.localhost", path)
        assert (status, body["upstream"], body["path"]) == (200, "ita_alpha-api", path)
    # Prefixes that only look like api ones go to web.
    for path in ("/apiary/", "/assets/app.css", "/"):
        assert get(stack, "alpha.localhost", path)[1]["upstream"] == "ita_alpha-web"

    assert get(stack, "beta.localhost", "/api/x")[1]["upstream"] == "ita_beta-api"
    assert get(stack, "beta.localhost", "/")[1]["upstream"] == "ita_beta-web"


def test_metrics_path_is_not_routed(stack: int, tmp_path: Path, upstreams) -> None:
    # the stand-in upstreams answer 200 to any path: a 404 here is nginx's own
    _register_pair(tmp_path, upstreams, "ita_metrics", ["metrics.localhost"])
    for path in ("/metrics", "/metrics/", "/metrics?x=1", "/metrics/cluster"):
        assert get(stack, "metrics.localhost", path) == (404, "Not found.\n"), path
    # only that path: a page whose name starts with it is the site's
    assert get(stack, "metrics.localhost", "/metrics-report/")[1]["upstream"] == "ita_metrics-web"


def test_trace_refused_by_nginx_is_answered_by_the_site(
    stack: int, tmp_path: Path, upstreams
) -> None:
    """nginx's own 405 for TRACE has no Allow header; the site's answer (by prefix) is sent."""
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    for path, upstream in (
        ("/api/v1/site/?lang=en", "ita_alpha-api"),
        ("/about/", "ita_alpha-web"),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", stack, timeout=10)
        try:
            conn.request("TRACE", path, headers={"Host": "alpha.localhost"})
            resp = conn.getresponse()
            body = json.loads(resp.read())
        finally:
            conn.close()
        assert resp.status == 405 and resp.getheader("Allow") == "GET, HEAD, OPTIONS"
        assert body == {"upstream": upstream, "path": path}
    # Other methods still reach the site unchanged.
    assert get(stack, "alpha.localhost", "/api/x")[1]["upstream"] == "ita_alpha-api"


def test_unknown_host_connection_closed(stack: int, tmp_path: Path, upstreams) -> None:
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    with pytest.raises(http.client.RemoteDisconnected):
        get(stack, "nobody.localhost")
    with pytest.raises(http.client.RemoteDisconnected):
        get(stack, "127.0.0.1")


def test_unregister_makes_host_unknown(stack: int, tmp_path: Path, upstreams) -> None:
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    _register_pair(tmp_path, upstreams, "ita_beta", ["beta.localhost"])
    assert get(stack, "alpha.localhost")[0] == 200

    res = ok(mortar("site", "unregister", "ita_alpha"))
    assert "unregistered" in res.stdout
    with pytest.raises(http.client.RemoteDisconnected):
        get(stack, "alpha.localhost")
    assert get(stack, "beta.localhost")[0] == 200
    # Unregistering again is a no-op, not an error.
    assert "nothing to do" in ok(mortar("site", "unregister", "ita_alpha")).stdout


def test_config_failing_nginx_t_is_rolled_back(stack: int, tmp_path: Path, upstreams) -> None:
    alpha = _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    home = Path(os.environ["MORTAR_HOME"])
    vhost = home / "nginx" / "sites" / "ita_alpha.conf"
    before = vhost.read_text()

    # A new site whose value passes the manifest check but not nginx's.
    api, web = upstreams["ita_beta-api"], upstreams["ita_beta-web"]
    bad = write_site(tmp_path / "sites", "ita_beta", ["beta.localhost"], api.port, web.port, "lots")
    res = mortar("site", "register", str(bad))
    assert res.returncode == 1
    err = res.stderr.strip()
    assert err.startswith("error: nginx -t failed:") and "client_max_body_size" in err
    assert len(err.splitlines()) == 1
    assert not (home / "nginx" / "sites" / "ita_beta.conf").exists()
    with pytest.raises(http.client.RemoteDisconnected):
        get(stack, "beta.localhost")
    assert get(stack, "alpha.localhost")[1]["upstream"] == "ita_alpha-web"

    # Re-registering an existing site with a bad value keeps its previous vhost serving.
    manifest = alpha / "mortar.toml"
    manifest.write_text(manifest.read_text() + '\n[nginx]\nclient_max_body_size = "lots"\n')
    res = mortar("site", "register", str(alpha))
    assert res.returncode == 1 and "nginx -t failed" in res.stderr
    assert vhost.read_text() == before
    assert get(stack, "alpha.localhost")[1]["upstream"] == "ita_alpha-web"


def test_stopped_upstream_gets_502_others_keep_serving(
    stack: int, tmp_path: Path, upstreams
) -> None:
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    _register_pair(tmp_path, upstreams, "ita_beta", ["beta.localhost"])
    upstreams["ita_beta-web"].stop()
    upstreams["ita_beta-api"].stop()

    assert get(stack, "beta.localhost")[0] == 502
    assert get(stack, "beta.localhost", "/api/x")[0] == 502
    assert get(stack, "alpha.localhost")[0] == 200
    # A reload (another registration, and a full `infra up`) still succeeds with beta down.
    _register_pair(tmp_path, upstreams, "ita_gamma", ["gamma.localhost"])
    ok(mortar("infra", "up"))
    assert get(stack, "gamma.localhost")[0] == 200
    assert get(stack, "beta.localhost")[0] == 502
    # And so does a cold start.
    ok(mortar("infra", "down"))
    ok(mortar("infra", "up"))
    assert get(stack, "alpha.localhost")[0] == 200
    assert get(stack, "beta.localhost")[0] == 502


def test_register_before_infra_up_is_checked_then_served(tmp_path: Path, upstreams) -> None:
    api, web = upstreams["ita_alpha-api"], upstreams["ita_alpha-web"]
    site = write_site(tmp_path / "sites", "ita_alpha", ["alpha.localhost"], api.port, web.port)
    assert "checked (nginx not running" in ok(mortar("site", "register", str(site))).stdout
    port = int(os.environ["MORTAR_HTTP_PORT"])
    try:
        ok(mortar("infra", "up"))
        assert get(port, "alpha.localhost")[1]["upstream"] == "ita_alpha-web"
    finally:
        mortar("infra", "down")


def test_tenant_domains_added_later_are_served(stack: int, tmp_path: Path, upstreams) -> None:
    """The API helper E's `tenant add` uses: remember a domain, re-register."""
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost"])
    from mortar_infra import manifest, nginx

    site = manifest.add_domains("ita_alpha", ["tenant2.localhost"])
    assert nginx.register(site) is True
    assert get(stack, "tenant2.localhost")[1]["upstream"] == "ita_alpha-web"
    assert get(stack, "alpha.localhost")[0] == 200


def test_parallel_registrations_all_land(stack: int, tmp_path: Path, upstreams) -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = [f"ita_par{i}" for i in range(4)]
    dirs = []
    for n in names:
        api, web = upstreams[f"{n}-api"], upstreams[f"{n}-web"]
        dirs.append(
            write_site(
                tmp_path / "sites", n, [f"{n.replace('_', '-')}.localhost"], api.port, web.port
            )
        )
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda d: mortar("site", "register", str(d)), dirs))
    for res in results:
        ok(res)
    for n in names:
        assert get(stack, f"{n.replace('_', '-')}.localhost")[1]["upstream"] == f"{n}-web"


def test_domain_served_by_another_site_is_refused(stack: int, tmp_path: Path, upstreams) -> None:
    _register_pair(tmp_path, upstreams, "ita_alpha", ["alpha.localhost", "shared.localhost"])
    api, web = upstreams["ita_beta-api"], upstreams["ita_beta-web"]
    beta = write_site(tmp_path / "sites", "ita_beta", ["shared.localhost"], api.port, web.port)
    res = mortar("site", "register", str(beta))
    assert res.returncode == 2
    assert (
        res.stderr.strip() == "error: domain shared.localhost is already served by site ita_alpha"
    )
    assert get(stack, "shared.localhost")[1]["upstream"] == "ita_alpha-web"


def test_body_limit_gzip_and_access_log(stack: int, tmp_path: Path, upstreams) -> None:
    api, web = upstreams["ita_alpha-api"], upstreams["ita_alpha-web"]
    site = write_site(
        tmp_path / "sites", "ita_alpha", ["alpha.localhost"], api.port, web.port, "1k"
    )
    nginx.register(load_site(site))

    conn = http.client.HTTPConnection("127.0.0.1", stack, timeout=10)
    conn.request("POST", "/api/upload/", body=b"x" * 4096, headers={"Host": "alpha.localhost"})
    assert conn.getresponse().status == 413
    conn.close()

    conn = http.client.HTTPConnection("127.0.0.1", stack, timeout=10)
    conn.request("GET", "/big", headers={"Host": "alpha.localhost", "Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 200 and resp.getheader("Content-Encoding") == "gzip"
    conn.close()

    log = Path(os.environ["MORTAR_HOME"]) / "nginx" / "logs" / "ita_alpha.access.log"
    assert " alpha.localhost [" in log.read_text()


def test_large_bodies_pass_when_the_home_is_private(stack: int, tmp_path: Path, upstreams) -> None:
    """nginx buffers request bodies over 16 KB and large upstream answers in temp files.
    Run as root, its workers are `nobody`, who cannot enter a 0700 home such as /root: the
    temp files must live where they can (found when a 100 KB rich-text block got nginx's
    own 500)."""
    home = Path(os.environ["MORTAR_HOME"])
    for folder in (home.parent, tmp_path):
        folder.chmod(0o700)
    api, web = upstreams["ita_alpha-api"], upstreams["ita_alpha-web"]
    site = write_site(tmp_path / "sites", "ita_alpha", ["alpha.localhost"], api.port, web.port)
    nginx.register(load_site(site))

    conn = http.client.HTTPConnection("127.0.0.1", stack, timeout=30)
    body = b"z" * 3_000_000  # within the default 25m limit, far over the 16 KB buffer
    conn.request("POST", "/api/v1/editor/pages/", body=body, headers={"Host": "alpha.localhost"})
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()[:300]
    assert json.loads(resp.read())["received"] == len(body)

    conn.request("GET", "/huge", headers={"Host": "alpha.localhost"})
    resp = conn.getresponse()
    data = resp.read()
    assert resp.status == 200 and len(json.loads(data)["pad"]) == 2_000_000
    conn.close()
    if os.geteuid() == 0:
        assert not str(nginx.temp_dir()).startswith(str(home))
