"""`/static/`, `/assets/` and local `/media/` straight from disk through a real nginx.

Sites and MORTAR_HOME live in a world-searchable temp folder: run as root, nginx's workers
are `nobody` and could not enter pytest's 0700 folders (that case is tested too: the
prefix then stays with the site).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from http.client import HTTPConnection, RemoteDisconnected
from pathlib import Path

import pytest
from infra_support import write_site
from mortar_infra import manifest, nginx
from mortar_infra.manifest import load_site

SECRET = "SECRET_KEY=edge-topsecret"


@pytest.fixture
def open_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 0755 folder for MORTAR_HOME and the sites (requested before `stack`)."""
    root = Path(tempfile.mkdtemp(prefix="mortar-edge-files-"))
    root.chmod(0o755)
    monkeypatch.setenv("MORTAR_HOME", str(root / "home"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def raw_get(port: int, host: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """A GET with the path sent exactly as given (no client-side normalising)."""
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _site(root: Path, upstreams, env: str = "") -> Path:
    api, web = upstreams["ita_files-api"], upstreams["ita_files-web"]
    site = write_site(root / "sites", "ita_files", ["files.localhost"], api.port, web.port)
    _write(site / ".env", f"{SECRET}\n{env}")
    _write(site / "staticfiles" / "admin" / "css" / "base.css", "body{}")
    _write(site / "staticfiles" / ".hidden", SECRET)
    _write(site / "media" / "ita_files" / "images" / "a-0123456789ab.png", "PNG")
    assets = root / "home" / "sites" / "ita_files" / "web-assets"
    _write(assets / "site" / "site.0123456789ab.css", "h1{}")
    _write(assets / "site" / "plain.css", "p{}")
    _write(assets / "site" / "app.0123456789ab.js", "1;")
    for folder in [root / "sites", *site.rglob("*"), *(root / "home").rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o755)
    nginx.register(load_site(site))
    return site


def test_files_are_served_from_disk_with_their_headers(
    open_root: Path, stack: int, upstreams
) -> None:
    _site(open_root, upstreams)
    year = "public, max-age=31536000, immutable"
    for path, body, cache, kind in (
        ("/static/admin/css/base.css", b"body{}", "public, max-age=300", "text/css"),
        ("/assets/site/site.0123456789ab.css", b"h1{}", year, "text/css"),
        ("/assets/site/app.0123456789ab.js", b"1;", year, "text/javascript"),
        ("/assets/site/plain.css", b"p{}", "public, max-age=300", "text/css"),
        (
            "/media/ita_files/images/a-0123456789ab.png",
            b"PNG",
            "public, max-age=86400",
            "image/png",
        ),
    ):
        status, headers, got = raw_get(stack, "files.localhost", path)
        assert (status, got) == (200, body), path
        assert headers["cache-control"] == cache, path
        # with nosniff, a browser refuses a stylesheet or script of any other type
        assert headers["content-type"].split(";")[0] == kind, path
        assert headers["x-content-type-options"] == "nosniff", path
    assert upstreams["ita_files-api"].hits == [] and upstreams["ita_files-web"].hits == []
    # a file that is not on disk (yet) is asked of the site that owns the prefix
    assert raw_get(stack, "files.localhost", "/static/new.css")[0] == 200
    assert raw_get(stack, "files.localhost", "/assets/new.css")[0] == 200
    assert upstreams["ita_files-api"].hits == ["/static/new.css"]
    assert upstreams["ita_files-web"].hits == ["/assets/new.css"]


def test_no_listings_no_hidden_files_no_escapes(open_root: Path, stack: int, upstreams) -> None:
    site = _site(open_root, upstreams)
    outside = _write(open_root / "outside" / "secret.txt", SECRET)
    outside.parent.chmod(0o755)
    (site / "staticfiles" / "link.txt").symlink_to(outside)
    (site / "staticfiles" / "linkdir").symlink_to(outside.parent)
    (site / "staticfiles" / "envlink").symlink_to(site / ".env")
    for path in ("/static/", "/static/admin/", "/media/", "/media/ita_files/", "/assets/site/"):
        status, _, body = raw_get(stack, "files.localhost", path)
        assert status in (403, 404) or body.startswith(b"{"), path  # or the site's answer
        assert b"Index of" not in body and b"base.css" not in body, path
    escapes = [
        "/static/.hidden",
        "/static/link.txt",
        "/static/linkdir/secret.txt",
        "/static/envlink",
        "/static/../.env",
        "/static/../../outside/secret.txt",
        "/static/%2e%2e/.env",
        "/static/%2E%2E/%2E%2E/outside/secret.txt",
        "/static/..%2f.env",
        "/static/..%2F..%2Foutside%2Fsecret.txt",
        "/static/%2e%2e%2f%2e%2e%2foutside/secret.txt",
        "/static//../.env",
        "/static/admin/../../.env",
        "/static/..%5c.env",
        "/media/..%2f.env",
        "/media/ita_files/../../.env",
        "/assets/../../../sites/ita_files/.env",
        "/assets/%2e%2e/%2e%2e/%2e%2e/sites/ita_files/.env",
        "/static../.env",
        "/static/%00../.env",
    ]
    for path in escapes:
        status, _, body = raw_get(stack, "files.localhost", path)
        assert b"topsecret" not in body, path
        assert status != 200 or body.startswith(b"{"), path  # only the site's own answer


def test_bucket_media_and_unreachable_folders_stay_with_the_site(
    open_root: Path, stack: int, upstreams
) -> None:
    _site(open_root, upstreams, env="MORTAR_MEDIA_STORAGE=s3\n")
    vhost = nginx.vhost_path("ita_files").read_text()
    assert "location ^~ /media/" not in vhost and "location ^~ /static/" in vhost
    assert raw_get(stack, "files.localhost", "/media/ita_files/images/a-0123456789ab.png")[0] == 200
    assert upstreams["ita_files-api"].hits == ["/media/ita_files/images/a-0123456789ab.png"]
    if os.geteuid() != 0:
        return
    # run as root, a folder the workers (nobody) cannot enter is not served from disk
    (open_root / "sites").chmod(0o700)
    nginx.register(load_site(open_root / "sites" / "ita_files"))
    vhost = nginx.vhost_path("ita_files").read_text()
    assert "location ^~ /static/" not in vhost and "location ^~ /assets/" in vhost
    assert raw_get(stack, "files.localhost", "/static/admin/css/base.css")[0] == 200
    assert upstreams["ita_files-api"].hits[-1] == "/static/admin/css/base.css"


def test_each_domain_reads_only_its_own_tenants_media(
    open_root: Path, stack: int, upstreams
) -> None:
    site_dir = _site(open_root, upstreams)
    _write(site_dir / "media" / "ita_other" / "images" / "b-0123456789ab.png", "OTHER")
    _write(site_dir / "media" / "ita_ghost" / "images" / "c-0123456789ab.png", "GHOST")
    for folder in (site_dir / "media").rglob("*"):
        if folder.is_dir():
            folder.chmod(0o755)
    site = manifest.add_domains("ita_files", ["other.localhost"], "ita_other")
    nginx.register(site)
    own = "/media/ita_files/images/a-0123456789ab.png"
    other = "/media/ita_other/images/b-0123456789ab.png"
    assert raw_get(stack, "files.localhost", own)[::2] == (200, b"PNG")
    assert raw_get(stack, "FILES.localhost", own)[::2] == (200, b"PNG")  # hosts are caseless
    assert raw_get(stack, "other.localhost", other)[::2] == (200, b"OTHER")
    crossings = [
        ("other.localhost", own),
        ("files.localhost", other),
        ("files.localhost", "/media/ita_files/../ita_other/images/b-0123456789ab.png"),
        ("files.localhost", "/media/ita_files/%2e%2e/ita_other/images/b-0123456789ab.png"),
        ("files.localhost", "/media//ita_other/images/b-0123456789ab.png"),
        ("files.localhost", "/media/ita_ghost/images/c-0123456789ab.png"),  # no tenant's
        ("files.localhost.", other),
        ("other.localhost:8080", own),
    ]
    for host, path in crossings:
        status, _, body = raw_get(stack, host, path)
        assert status == 404 and body not in (b"PNG", b"OTHER", b"GHOST"), (host, path)
    assert upstreams["ita_files-api"].hits == []  # refused at the edge, not asked of the site
    # a domain dropped from the site (tenant removed) loses its media at once
    nginx.register(manifest.remove_domains("ita_files", ["other.localhost"]))
    with pytest.raises(RemoteDisconnected):  # nginx's catch-all closes unknown hosts (444)
        raw_get(stack, "other.localhost", other)
