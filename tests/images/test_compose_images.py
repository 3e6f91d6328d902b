"""Cheap checks of the image names and build inputs (default suite, no images built).

A generated site's compose.yml is valid Compose; its image names/tags are the ones
`scripts/build-images --site` builds and its k8s manifests deploy; its Dockerfiles build
FROM the base tags `make images` produces; bad input to the build tools fails clearly.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml
from mortar_infra.envfile import read_env

from .containers import BUILD_IMAGES, ROOT, VERSION
from .helpers import generate_site

API_SERVICES = {"migrate", "api", "worker"}  # beat runs inside the worker


def print_tags(*args: str) -> list[str]:
    res = subprocess.run(
        ["bash", str(BUILD_IMAGES), "--print-tags", *args], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.split()


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}` / `${VAR:-default}` (nested defaults too), enough for image names."""
    pattern = re.compile(r"\$\{(\w+)(?::-((?:[^${}]|\$\{[^}]*\})*))?\}")
    while True:
        new = pattern.sub(lambda m: env.get(m[1]) or interpolate(m[2] or "", env), value)
        if new == value:
            return new
        value = new


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_site(tmp_path_factory.mktemp("compose-sites"), "img_compose")


def compose_schema() -> dict:
    path = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return json.loads(path.read_text())


def test_site_compose_validates_against_the_compose_spec(site: Path) -> None:
    doc = yaml.safe_load((site / "compose.yml").read_text())
    schema = compose_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    doc["services"]["api"]["imagee"] = "typo"  # and the check can fail
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))


def test_compose_image_names_are_what_build_images_builds(site: Path) -> None:
    doc = yaml.safe_load((site / "compose.yml").read_text())
    env = read_env(site / ".env")
    api, web = print_tags("--site", str(site))
    assert api == f"mortarcms/img-compose-api:{env['MORTAR_VERSION']}"
    for name in API_SERVICES:
        assert interpolate(doc["services"][name]["image"], env) == api, name
        assert doc["services"][name]["build"]["dockerfile"] == "api/Dockerfile"
    assert interpolate(doc["services"]["web"]["image"], env) == web
    # A release tag set in the environment names the same image for compose and the script.
    tagged = {**env, "SITE_IMAGE_TAG": "2024.1"}
    assert interpolate(doc["services"]["api"]["image"], tagged) == api.replace(
        env["MORTAR_VERSION"], "2024.1"
    )
    assert print_tags("--site", str(site), "--tag", "2024.1")[0].endswith(":2024.1")


def test_k8s_manifests_deploy_the_same_images(site: Path) -> None:
    api, web = print_tags("--site", str(site))
    images = set()
    for path in (site / "k8s").rglob("*.yaml"):
        images.update(re.findall(r"image:\s*(\S+)", path.read_text()))
    assert images, "no image: lines in the site's k8s manifests"
    assert images <= {api, web}, images


def test_site_dockerfiles_build_from_the_kit_base_tags(site: Path) -> None:
    env = read_env(site / ".env")
    assert env["MORTAR_VERSION"] == VERSION  # a fresh site pins this kit's version
    bases = print_tags()
    assert bases == [f"mortarcms/api-base:{VERSION}", f"mortarcms/web-base:{VERSION}"]
    for part, base in zip(("api", "web"), bases, strict=True):
        text = (site / part / "Dockerfile").read_text()
        assert f"FROM mortarcms/{part}-base:${{MORTAR_VERSION}}" in text
        default = re.search(r"^ARG MORTAR_VERSION=(\S+)$", text, re.M)
        assert default and f"mortarcms/{part}-base:{default[1]}" == base
        pin = re.search(
            rf'"mortar-{part}(?:\[s3\])?==([^"]+)"', (site / part / "pyproject.toml").read_text()
        )
        assert pin and pin[1] == VERSION


def test_dockerignore_keeps_secrets_out_of_site_images(site: Path) -> None:
    ignored = (site / ".dockerignore").read_text().split()
    assert {".env", ".env.*", "**/.env"} <= set(ignored)
    for base in ("api", "web"):
        assert "**/.env" in (ROOT / "base-images" / base / ".dockerignore").read_text().split()


def test_base_images_copy_the_one_site_deps_and_healthcheck_helpers() -> None:
    for base in ("api", "web"):
        dockerfile = (ROOT / "base-images" / base / "Dockerfile").read_text()
        assert "COPY --from=common site-deps.py healthcheck.py" in dockerfile
        entrypoint = (ROOT / "base-images" / base / "docker-entrypoint.sh").read_text()
        assert "/usr/local/lib/mortar/healthcheck.py" in entrypoint
    assert (ROOT / "base-images" / "common" / "site-deps.py").is_file()


@pytest.mark.parametrize(
    ("status", "env", "rc", "message"),
    [
        (200, {}, 0, ""),
        (200, {"MORTAR_HEALTH_HOST": "acme.localhost"}, 0, ""),
        (503, {}, 1, "unhealthy: HTTP Error 503"),
    ],
)
def test_healthcheck_helper(status: int, env: dict[str, str], rc: int, message: str) -> None:
    """common/healthcheck.py against a real local HTTP server: status, port and Host header."""
    seen: list[tuple[str, str]] = []

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers["Host"]))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        res = subprocess.run(
            [sys.executable, str(ROOT / "base-images" / "common" / "healthcheck.py"), "1"],
            env={**os.environ, **env, "PORT": str(server.server_address[1])},
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert res.returncode == rc, res.stderr
    assert message in res.stderr
    assert seen == [("/health/", env.get("MORTAR_HEALTH_HOST", "localhost"))]


@pytest.mark.parametrize(
    ("pin", "rc", "message"),
    [
        (f"mortar-api=={VERSION}", 0, "nothing to install beyond the base image"),
        ("mortar-api==0.0.1", 1, "pins 'mortar-api==0.0.1' but the base image has mortar-api"),
    ],
)
def test_site_deps_checks_the_base_pin(tmp_path: Path, pin: str, rc: int, message: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(f'[project]\nname = "x"\nversion = "0"\ndependencies = ["{pin}"]\n')
    res = subprocess.run(
        [sys.executable, str(ROOT / "base-images" / "common" / "site-deps.py"), str(pyproject)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == rc, res.stdout + res.stderr
    assert message in res.stdout + res.stderr


DJANGO = importlib.metadata.version("django")


@pytest.mark.parametrize(
    ("deps", "lock", "message"),
    [
        ('"humanize>=4"', "# no entries\n", "does not satisfy ['humanize>=4']: run `mortar site"),
        ('"humanize>=4"', "humanize==3.0 \\\n    --hash=sha256:00\n", "does not satisfy"),
        ('"django>=1"', "django==1.0 \\\n    --hash=sha256:00\n",
         f"pins django==1.0 but the base image ships {DJANGO}"),
        ('"humanize>=4"', "humanize>=4\n", "line 1: 'humanize>=4' is not a pinned requirement"),
    ],
)  # fmt: skip
def test_site_deps_refuses_a_lock_that_does_not_fit(
    tmp_path: Path, deps: str, lock: str, message: str
) -> None:
    # Each refusal comes before pip runs: nothing is installed into this interpreter.
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        f'[project]\nname = "x"\nversion = "0"\ndependencies = ["mortar-api=={VERSION}", {deps}]\n'
    )
    (tmp_path / "requirements.lock").write_text(lock)
    res = subprocess.run(
        [sys.executable, str(ROOT / "base-images" / "common" / "site-deps.py"), str(pyproject)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 1, res.stdout + res.stderr
    assert message in res.stderr


def test_site_images_install_from_the_lock() -> None:
    for role in ("api", "web"):
        dockerfile = ROOT / "template" / "{{cookiecutter.site_slug}}" / role / "Dockerfile"
        text = dockerfile.read_text()
        copy = f"COPY {role}/pyproject.toml {role}/requirements.lock /app/{role}/"
        assert text.index(copy) < text.index(f"site-deps.py /app/{role}/pyproject.toml"), role


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unknown argument '--bogus'"),
        (["--print-tags", "--site", "/nonexistent/site"], "is not a site (no mortar.toml)"),
        (["--site"], "--site needs a directory"),
    ],
)
def test_build_images_rejects_bad_arguments(args: list[str], message: str) -> None:
    res = subprocess.run(["bash", str(BUILD_IMAGES), *args], capture_output=True, text=True)
    assert res.returncode != 0
    assert message in res.stderr


@pytest.mark.parametrize("base", ["api", "web"])
def test_entrypoint_runs_non_roles_as_given_and_fails_clearly(base: str) -> None:
    entrypoint = ROOT / "base-images" / base / "docker-entrypoint.sh"
    res = subprocess.run(
        ["sh", str(entrypoint), "echo", "as", "given"], capture_output=True, text=True
    )
    assert res.returncode == 0 and res.stdout == "as given\n", res.stderr
    res = subprocess.run(["sh", str(entrypoint), "no-such-role"], capture_output=True, text=True)
    assert res.returncode == 127
    assert "no-such-role" in res.stderr and "not found" in res.stderr


def test_site_compose_keeps_files_where_the_shared_nginx_serves_them(site: Path) -> None:
    """The site's compose.yml writes into `${MORTAR_FILES_DIR}/<dns>/...`, which the shared
    stack mounts at /srv/mortar and its nginx config serves from (sitefiles.compose_files)."""
    doc = yaml.safe_load((site / "compose.yml").read_text())
    shared = yaml.safe_load((ROOT / "shared-infra" / "compose.yml").read_text())
    dns = "img-compose"
    host = "${MORTAR_FILES_DIR:?set MORTAR_FILES_DIR in .env to the shared stack's files folder}"
    services = doc["services"]
    for name in ("files", "web-files"):
        svc = services[name]
        assert svc["command"] == ["publish-files"] and svc["user"] == "0:0", name
        assert svc["volumes"] == [f"{host}/{dns}:/srv/files"], name
        assert svc["restart"] == "no", name
    assert services["files"]["image"] == services["api"]["image"]
    assert services["web-files"]["image"] == services["web"]["image"]
    for name in API_SERVICES:
        assert services[name]["volumes"] == [f"{host}/{dns}/media:/data/media"], name
        assert services[name]["environment"]["MEDIA_ROOT"] == "/data/media", name
    # The api waits for media/ to be handed to its user; web for its assets.
    assert services["migrate"]["depends_on"]["files"]["condition"] == (
        "service_completed_successfully"
    )
    assert "web-files" in services["web"]["depends_on"]
    assert "volumes" not in doc  # no named media volume left behind
    from mortar_infra.sitefiles import COMPOSE_FILES_DIR, compose_files

    assert (
        "${MORTAR_FILES_DIR:-./files}:" + COMPOSE_FILES_DIR + ":ro"
        in (shared["services"]["nginx"]["volumes"])
    )
    served = compose_files(dns, {})
    assert served.static == f"{COMPOSE_FILES_DIR}/{dns}/static"
    assert served.assets == f"{COMPOSE_FILES_DIR}/{dns}/assets"
    assert served.media == f"{COMPOSE_FILES_DIR}/{dns}/media"


def _publish(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "base-images" / "common" / "publish_files.py"), *args],
        env={**os.environ, "MORTAR_FILES_TARGET": str(target)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_publish_files_replaces_the_old_set_readably(tmp_path: Path) -> None:
    """common/publish_files.py (the images' `publish-files`) on real folders."""
    src, target = tmp_path / "collected", tmp_path / "files" / "acme"
    (src / "css").mkdir(parents=True)
    (src / "css" / "site.abc123.css").write_text("body{}")
    (src / "css" / "site.abc123.css").chmod(0o600)  # as collected by a umask-077 build
    target.mkdir(parents=True)
    (target / "static").mkdir()
    (target / "static" / "gone.css").write_text("old")
    res = _publish(target, str(src), "static", "--media-owner", "10001:10002")
    assert res.returncode == 0, res.stderr
    assert "published 1 files" in res.stdout
    assert (target / "static" / "css" / "site.abc123.css").read_text() == "body{}"
    assert (target / "static" / "css" / "site.abc123.css").stat().st_mode & 0o777 == 0o644
    assert (target / "static" / "css").stat().st_mode & 0o777 == 0o755
    assert not (target / "static" / "gone.css").exists()  # replaced, not merged
    assert sorted(p.name for p in target.iterdir()) == ["media", "static"]  # no temp folders
    media = (target / "media").stat()
    if os.geteuid() == 0:
        assert (media.st_uid, media.st_gid) == (10001, 10002)
    else:
        assert "run as root" in res.stdout


def test_publish_files_failure_keeps_the_old_set(tmp_path: Path) -> None:
    src, target = tmp_path / "collected", tmp_path / "acme"
    src.mkdir()
    (src / "ok.css").write_text("new")
    (src / "broken.css").symlink_to(tmp_path / "nowhere")  # copying it fails
    (target / "static").mkdir(parents=True)
    (target / "static" / "ok.css").write_text("old")
    res = _publish(target, str(src), "static")
    assert res.returncode != 0
    assert "the old set is kept" in res.stderr and "broken.css" in res.stderr
    assert (target / "static" / "ok.css").read_text() == "old"
    assert sorted(p.name for p in target.iterdir()) == ["static"]


@pytest.mark.parametrize(
    ("args", "make_target", "message"),
    [
        (["{src}", "static"], False, "is missing: mount the site's MORTAR_FILES_DIR folder"),
        (["{tmp}/none", "static"], True, "is not a folder (no collected files to publish)"),
        (["{src}", "media"], True, "invalid choice: 'media'"),
        (["{src}", "static", "--media-owner", "mortar"], True, "--media-owner wants UID:GID"),
    ],
)
def test_publish_files_rejects_bad_input(
    tmp_path: Path, args: list[str], make_target: bool, message: str
) -> None:
    src, target = tmp_path / "collected", tmp_path / "acme"
    src.mkdir()
    if make_target:
        target.mkdir()
    argv = [a.format(src=src, tmp=tmp_path) for a in args]
    res = _publish(target, *argv)
    assert res.returncode == 2
    assert message in res.stderr
    assert not target.exists() or list(target.iterdir()) == []  # nothing written
