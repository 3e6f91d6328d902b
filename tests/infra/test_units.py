"""Pure pieces of mortar_infra: .env editing, manifest rules, rendered nginx config."""

from __future__ import annotations

from pathlib import Path

import pytest
from mortar_infra import nginx
from mortar_infra.envfile import read_env, update_env
from mortar_infra.manifest import ManifestError, Site, read_manifest, validate_slug
from mortar_infra.provision import redis_acl_rules


def test_update_env_keeps_everything_else(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# comment\nexport SECRET_KEY='x y'\nREDIS_URL=old\n\nEMPTY=\nQUOTED=\"a=b\"\n")
    assert update_env(env, {"REDIS_URL": "new", "DATABASE_URL": "pg"})
    text = env.read_text()
    assert text.startswith("# comment\nexport SECRET_KEY='x y'\nREDIS_URL=new\n\nEMPTY=\n")
    assert read_env(env) == {
        "SECRET_KEY": "x y",
        "REDIS_URL": "new",
        "EMPTY": "",
        "QUOTED": "a=b",
        "DATABASE_URL": "pg",
    }
    assert not update_env(env, {"REDIS_URL": "new"})  # unchanged → not rewritten
    assert env.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("slug", ["ab", "acme", "acme_co2", "a" * 30])
def test_valid_slugs(slug: str) -> None:
    assert validate_slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["a", "1abc", "Acme", "acme-co", "a" * 31, "postgres", "template1", "mortar", "", None]
)
def test_invalid_slugs(slug: object) -> None:
    with pytest.raises(ManifestError):
        validate_slug(slug)


def test_manifest_domains_deduplicated_and_wildcards(tmp_path: Path) -> None:
    (tmp_path / "mortar.toml").write_text(
        '[site]\nslug = "itu_x"\ndomains = ["a.localhost", "*.a.localhost", "a.localhost"]\n'
        'mortar_version = "1.2.3"\n'
    )
    m = read_manifest(tmp_path)
    assert m["domains"] == ["a.localhost", "*.a.localhost"]
    assert m["name"] == "itu_x" and m["api_port"] is None


@pytest.mark.parametrize(
    "bad", ["A.localhost", "a..b", "-a.b", "a.b:8080", "a b", "a_b.c", "x" * 64]
)
def test_bad_domains(tmp_path: Path, bad: str) -> None:
    (tmp_path / "mortar.toml").write_text(
        f'[site]\nslug = "itu_x"\ndomains = ["{bad}"]\nmortar_version = "1.2.3"\n'
    )
    with pytest.raises(ManifestError, match="invalid domain"):
        read_manifest(tmp_path)


def test_native_vhost_routes_and_headers() -> None:
    site = Site(
        "itu_acme",
        "Acme",
        ["acme.localhost", "www.acme.localhost"],
        "1.0.0",
        8101,
        8102,
        extra_domains=["t2.localhost"],
        client_max_body_size="50m",
    )
    conf = nginx.render_vhost(site, "native", port=8080)
    assert "listen 127.0.0.1:8080;" in conf
    assert "server_name acme.localhost www.acme.localhost t2.localhost;" in conf
    assert "set $mortar_api 127.0.0.1:8101;" in conf and "set $mortar_web 127.0.0.1:8102;" in conf
    assert "location ~ ^/(api|static|media)(/|$)" in conf
    # never cached: the admin, the editor API and previews have locations of their own
    never = "location ~ ^/(admin|api/v1/editor|api/v1/preview)(/|$) {\n        proxy_cache off;"
    assert never in conf
    assert "proxy_cache_key $scheme$mortar_host$request_uri;" in conf
    assert "proxy_cache_use_stale updating error timeout;" in conf
    assert "client_max_body_size 50m;" in conf
    main = nginx.render_main("native", port=8080)
    assert "listen 127.0.0.1:8080 default_server;" in main and "return 444;" in main
    for header in (
        "Host $mortar_host",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
        "X-Forwarded-Host $mortar_host",
    ):
        assert f"proxy_set_header {header};" in main
    assert "map $http_host $mortar_host {" in main  # $host plus the visitor's port
    assert "gzip on;" in main and "log_format mortar '$remote_addr $host" in main
    assert "resolver" not in main  # native upstreams are IPs: nothing to resolve


def test_acl_rules_confine_keys_and_channels() -> None:
    rules = redis_acl_rules("acme", "pw")
    assert rules[:3] == ["reset", "on", ">pw"]
    assert "~acme:*" in rules and "&acme:*" in rules
    assert all(r.startswith(("&acme:", "~acme:")) for r in rules if r[0] in "~&")
    assert rules.index("-@dangerous") > rules.index("+@all")
