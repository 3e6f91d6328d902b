"""shared-infra/compose.yml is valid Compose and matches what `mortar` renders."""

from __future__ import annotations

import json
import re
import subprocess
from importlib.resources import files
from pathlib import Path

import jsonschema
import yaml
from infra_support import mortar, ok
from mortar_infra import nginx
from mortar_infra.compose import init_compose
from mortar_infra.config import nginx_bin
from mortar_infra.envfile import read_env
from mortar_infra.manifest import Site

SHARED = Path(__file__).resolve().parents[2] / "shared-infra"


def _schema() -> dict:
    # The Compose specification's schema as vendored by check-jsonschema (offline).
    path = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(path.read_text())


def _compose() -> dict:
    return yaml.safe_load((SHARED / "compose.yml").read_text())


def test_compose_file_validates_against_compose_spec() -> None:
    doc = _compose()
    schema = _schema()
    jsonschema.validators.validator_for(schema)(schema).validate(doc)


def test_schema_rejects_a_broken_compose_file() -> None:
    # The validation above can fail: a typo'd key is caught.
    doc = _compose()
    doc["services"]["nginx"]["restart_policy"] = "always"
    schema = _schema()
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
    assert errors


def test_compose_services_are_pinned_healthy_and_on_the_mortar_network() -> None:
    doc = _compose()
    assert set(doc["services"]) == {"nginx", "postgres", "redis"}
    for name, svc in doc["services"].items():
        assert re.fullmatch(r"[a-z]+:\d+\.\d+(\.\d+)?(-[a-z]+)?", svc["image"]), name
        assert svc["restart"] == "unless-stopped", name
        assert "test" in svc["healthcheck"], name
        assert svc["networks"] == ["mortar"], name
    assert doc["networks"]["mortar"]["name"] == "mortar"
    assert set(doc["volumes"]) >= {"postgres_data", "redis_data"}
    mounts = doc["services"]["nginx"]["volumes"]
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in mounts
    assert "./nginx/sites:/etc/nginx/sites:ro" in mounts
    assert "${MORTAR_FILES_DIR:-./files}:/srv/mortar:ro" in mounts  # files from disk, read-only
    assert "${MORTAR_ACME_WEBROOT:-./acme}:/srv/acme:ro" in mounts  # certbot's challenges
    # Admin secrets come from the git-ignored .env, never from the file itself.
    assert "${POSTGRES_PASSWORD:?" in (SHARED / "compose.yml").read_text()
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "shared-infra/.env"], cwd=SHARED.parent
    ).returncode
    assert ignored == 0


def test_committed_nginx_conf_is_the_rendered_compose_config() -> None:
    assert (SHARED / "nginx" / "nginx.conf").read_text() == nginx.render_main("compose")


def _site(slug: str) -> Site:
    return Site(slug, f"Site {slug}", [f"{slug}.example.com"], "1.0.0", 8000, 3000)


def test_compose_mode_config_passes_nginx_t(tmp_path: Path) -> None:
    conf_dir = tmp_path / "etc"
    for sub in ("sites", "logs", "temp"):
        (conf_dir / sub).mkdir(parents=True)
    (conf_dir / "nginx.conf").write_text(
        nginx.render_main("compose", conf_dir=str(conf_dir)).replace(
            "listen 80 default_server", "listen 127.0.0.1:1 default_server"
        )
    )
    vhost = nginx.render_vhost(_site("ita_acme_co"), "compose", log_dir=str(conf_dir / "logs"))
    assert "set $mortar_api ita-acme-co-api:8000;" in vhost
    assert "set $mortar_web ita-acme-co-web:3000;" in vhost
    (conf_dir / "sites" / "ita_acme_co.conf").write_text(vhost)
    res = subprocess.run(
        [
            nginx_bin(),
            "-t",
            "-p",
            f"{conf_dir}/",
            "-c",
            str(conf_dir / "nginx.conf"),
            "-e",
            str(conf_dir / "logs" / "error.log"),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert "resolver 127.0.0.11 valid=10s" in (conf_dir / "nginx.conf").read_text()


def test_compose_init_generates_secrets_once(tmp_path: Path) -> None:
    init_compose(tmp_path, [_site("ita_one")])
    first = read_env(tmp_path / ".env")
    assert (
        len(first["POSTGRES_PASSWORD"]) >= 32
        and first["POSTGRES_PASSWORD"] != first["REDIS_PASSWORD"]
    )
    assert (tmp_path / "nginx" / "sites" / "ita_one.conf").exists()
    init_compose(tmp_path, [])
    assert read_env(tmp_path / ".env") == first
    assert not (tmp_path / "nginx" / "sites" / "ita_one.conf").exists()
    assert (tmp_path / ".env").stat().st_mode & 0o077 == 0


def test_compose_init_command(tmp_path: Path) -> None:
    """`mortar infra compose-init --dir` as a user runs it: secrets once, the compose nginx.conf."""
    target = tmp_path / "shared-infra"
    out = ok(mortar("infra", "compose-init", "--dir", str(target))).stdout
    assert "generated POSTGRES_PASSWORD, REDIS_PASSWORD" in out
    first = read_env(target / ".env")
    assert (target / "nginx" / "nginx.conf").read_text() == nginx.render_main("compose")
    again = ok(mortar("infra", "compose-init", "--dir", str(target))).stdout
    assert "secrets already present, kept" in again
    assert read_env(target / ".env") == first
    # A file where the folder should be is a usage error, and nothing is written there.
    (tmp_path / "afile").write_text("x")
    res = mortar("infra", "compose-init", "--dir", str(tmp_path / "afile"))
    assert res.returncode == 2 and (tmp_path / "afile").read_text() == "x", res.stderr
