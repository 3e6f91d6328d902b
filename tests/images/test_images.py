"""Run a spawned site from its images (`make test-images`).

Builds mortarcms/api-base and web-base (skipped when unchanged), generates a site with the
kit's cookiecutter, builds its api/web images FROM the bases (scripts/build-images --site),
provisions it on the native shared stack, runs migrate, api, web, worker and beat from the
images (buildah, host network), registers it with nginx and checks through nginx: home
page, /api/v1/site/, /health/, the site's own app, and a Celery round trip (contact form ->
worker -> email to a real SMTP server in this test).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from mortar_infra.envfile import read_env

from .containers import Container, build_images, buildah, image_config
from .helpers import MORTAR, free_port, generate_site, mortar, ok

pytestmark = pytest.mark.images
KIT = Path(__file__).resolve().parents[2]

MARKER = "Served from container images"

# Run inside a container of the site's api image, in the first tenant's schema: a published
# home page (the template ships none) and the address contact messages go to.
SEED = """
from django_tenants.utils import schema_context
import django, os
django.setup()
from mortar_api.cms.models import Page, SiteSettings
with schema_context(os.environ["MORTAR_SITE_SLUG"]):
    SiteSettings.objects.update_or_create(
        pk=1, defaults={"site_name": "Images", "contact_email": os.environ["SEED_CONTACT"]})
    Page.objects.filter(is_home=True).delete()
    Page(title="Home", slug="home", body="<p>%s</p>" % os.environ["SEED_MARKER"],
         status=Page.Status.PUBLISHED, is_home=True).save()
print("seeded")
"""


# A task sent from a one-shot container of the site's api image through the site's own
# Redis ACL user, run by the worker container in the tenant's schema, result read back.
ROUND_TRIP = """
import importlib, os, django
importlib.import_module(os.environ["MORTAR_CELERY_APP"])
django.setup()
from django_tenants.utils import schema_context
from site_apps.notices.tasks import deactivate_expired_notices
with schema_context(os.environ["MORTAR_SITE_SLUG"]):
    result = deactivate_expired_notices.delay()
print("result", result.get(timeout=90))
"""


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free port; keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@dataclass
class RunningSite:
    slug: str
    site_dir: Path
    domain: str
    http_port: int
    api_port: int
    web_port: int
    mailbox: Mailbox
    containers: dict[str, Container] = field(default_factory=dict)
    api_image: str = ""
    web_image: str = ""


def http(
    port: int, host: str, path: str, data: dict | None = None, timeout: float = 15
) -> tuple[int, str]:
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, method="POST" if body else "GET"
    )
    req.add_header("Host", host)
    if body:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def wait_http(port: int, host: str, path: str, ctr: Container, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        assert ctr.alive(), f"{ctr.name} exited:\n{ctr.output()[-3000:]}"
        try:
            status, last = http(port, host, path, timeout=5)
            if status == 200:
                return
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise AssertionError(
        f"{path} on :{port} not 200 after {timeout}s: {last[:500]}\n{ctr.output()[-3000:]}"
    )


@pytest.fixture(scope="module")
def running_site(
    base_images: dict[str, str],
    mortar_env: dict[str, str],
    site_slug: str,
    tmp_path_factory: pytest.TempPathFactory,
    artifacts: Path,
) -> Iterator[RunningSite]:
    slug = site_slug
    site_dir = generate_site(tmp_path_factory.mktemp("sites"), slug)
    api_port, web_port = free_port(), free_port()
    # Fixed native ports: nginx routes to them and the containers' gunicorns listen on them.
    with (site_dir / "mortar.toml").open("a") as f:
        f.write(f"\n[native]\napi_port = {api_port}\nweb_port = {web_port}\n")

    log = artifacts / f"build-{slug}.log"
    rc = build_images("--site", str(site_dir), "--tag", "test", log=log)
    assert rc == 0, f"site images failed to build:\n{log.read_text()[-4000:]}"
    dns = slug.replace("_", "-")

    ok(mortar("infra", "up"))
    mailbox = Mailbox()
    mailbox.controller.start()
    site = RunningSite(
        slug=slug,
        site_dir=site_dir,
        domain=f"{dns}.localhost",
        http_port=int(os.environ["MORTAR_HTTP_PORT"]),
        api_port=api_port,
        web_port=web_port,
        mailbox=mailbox,
        api_image=f"mortarcms/{dns}-api:test",
        web_image=f"mortarcms/{dns}-web:test",
    )
    try:
        ok(mortar("site", "provision", str(site_dir)))
        env = read_env(site_dir / ".env")  # as provisioned: the site's own DB role, ACL user
        env.update(EMAIL_PROVIDER="smtp", EMAIL_URL=f"smtp://127.0.0.1:{mailbox.port}")

        migrate = site.containers["migrate"] = Container(site.api_image, "migrate")
        res = migrate.run(env, ["mortar-entrypoint", "migrate"], timeout=600)
        (artifacts / f"{slug}-migrate.log").write_text(res.stdout + res.stderr)
        assert res.returncode == 0, f"migrate failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        seed_env = {**env, "SEED_CONTACT": f"editor@{site.domain}", "SEED_MARKER": MARKER}
        res = migrate.run(seed_env, ["python", "-c", SEED], timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr

        roles = {
            "api": (site.api_image, {**env, "PORT": str(api_port)}, ["mortar-entrypoint", "api"]),
            "worker": (site.api_image, env, ["mortar-entrypoint", "worker"]),
            "beat": (site.api_image, env, ["mortar-entrypoint", "beat"]),
            "web": (
                site.web_image,
                {**env, "PORT": str(web_port), "MORTAR_API_URL": f"http://127.0.0.1:{api_port}"},
                ["mortar-entrypoint", "web"],
            ),
        }
        for role, (image, role_env, cmd) in roles.items():
            ctr = site.containers[role] = Container(image, role)
            ctr.start(role_env, cmd, artifacts / f"{slug}-{role}.log")
        ok(mortar("site", "register", str(site_dir)))
        wait_http(api_port, site.domain, "/health/", site.containers["api"])
        wait_http(web_port, site.domain, "/health/", site.containers["web"])
        yield site
    finally:
        for ctr in site.containers.values():
            ctr.stop()
        mailbox.controller.stop()
        mortar("site", "unregister", slug)
        mortar("infra", "down")
        buildah("rmi", site.api_image, site.web_image)  # the bases and layer cache stay


def test_home_page_through_nginx(running_site: RunningSite) -> None:
    s = running_site
    status, body = http(s.http_port, s.domain, "/")
    assert status == 200, body[:500]
    assert MARKER in body


def test_site_api_through_nginx(running_site: RunningSite) -> None:
    s = running_site
    status, body = http(s.http_port, s.domain, "/api/v1/site/")
    assert status == 200, body[:500]
    data = json.loads(body)
    assert data["settings"]["site_name"] == "Images"
    assert data["home_path"]


def test_health_through_nginx_and_of_the_api(running_site: RunningSite) -> None:
    s = running_site
    status, body = http(s.http_port, s.domain, "/health/")  # web's, via nginx
    assert status == 200, body
    status, body = http(s.api_port, s.domain, "/health/")  # the api container's own
    assert status == 200, body
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_site_custom_app_is_in_the_image(running_site: RunningSite) -> None:
    """The template's example app (site_apps.notices) is importable and routed."""
    s = running_site
    status, body = http(s.http_port, s.domain, "/api/v1/notices/")
    assert status == 200, body[:500]


def test_celery_round_trip_site_task(running_site: RunningSite) -> None:
    s = running_site
    caller = Container(s.api_image, "caller")
    try:
        res = caller.run(read_env(s.site_dir / ".env"), ["python", "-c", ROUND_TRIP], timeout=150)
    finally:
        caller.stop()
    assert res.returncode == 0, res.stdout + res.stderr + s.containers["worker"].output()[-3000:]
    assert res.stdout.strip().endswith("result 0")
    assert "deactivate_expired_notices" in s.containers["worker"].output()


def test_celery_round_trip_contact_form_to_email(running_site: RunningSite) -> None:
    s = running_site
    token = f"round-trip-{s.slug}"
    form = {"name": "Ada", "email": "ada@example.org", "subject": token, "message": "Hello."}
    status, body = http(s.http_port, s.domain, "/api/v1/contact/", form)
    assert status == 201, body
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if any(token.encode() in m for m in s.mailbox.messages):
            break
        assert s.containers["worker"].alive(), s.containers["worker"].output()[-3000:]
        time.sleep(0.5)
    else:
        raise AssertionError(
            f"no email from the worker in 90s\n{s.containers['worker'].output()[-3000:]}"
        )
    msg = next(m for m in s.mailbox.messages if token.encode() in m)
    assert f"editor@{s.domain}".encode() in msg


def test_image_healthcheck_command(running_site: RunningSite) -> None:
    """The images' HEALTHCHECK (`mortar-entrypoint healthcheck`) inside the running containers."""
    s = running_site
    for role, port in (("api", s.api_port), ("web", s.web_port)):
        ctr = s.containers[role]
        res = ctr.run({"PORT": str(port)}, ["mortar-entrypoint", "healthcheck"], timeout=60)
        assert res.returncode == 0, f"{role}: {res.stdout}{res.stderr}"
        # and it can fail: nothing listens on a fresh port
        res = ctr.run({"PORT": str(free_port())}, ["mortar-entrypoint", "healthcheck"], timeout=60)
        assert res.returncode != 0, role


def test_beat_runs_with_the_database_scheduler(running_site: RunningSite) -> None:
    beat = running_site.containers["beat"]
    deadline = time.monotonic() + 60
    while "DatabaseScheduler" not in beat.output() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert beat.alive(), beat.output()[-3000:]
    assert "DatabaseScheduler" in beat.output()


def test_images_run_as_non_root_without_secrets(running_site: RunningSite) -> None:
    s = running_site
    for image in (s.api_image, s.web_image):
        cfg = image_config(image)["Docker"]["config"]
        assert cfg["User"] == "mortar"
        assert cfg["Entrypoint"] == ["mortar-entrypoint"]
        assert cfg["Healthcheck"]["Test"] == ["CMD", "mortar-entrypoint", "healthcheck"]
    probe = Container(s.api_image, "probe")
    try:
        res = probe.run({}, ["sh", "-c", "id -u; ls -a /app /app/api; test ! -e /app/.env"])
        assert res.returncode == 0, res.stdout + res.stderr
        lines = res.stdout.split()
        assert lines[0] == "10001"
        assert ".env" not in lines
        # the site's secret never made it into any layer's files
        secret = read_env(s.site_dir / ".env")["SECRET_KEY"]
        res = probe.run({}, ["grep", "-rqF", secret, "/app", "/opt/venv", "/usr/local"])
        assert res.returncode == 1, "the site's SECRET_KEY is inside the image"
    finally:
        probe.stop()


def test_publish_files_fills_the_shared_nginx_folder(
    running_site: RunningSite, tmp_path: Path
) -> None:
    """Compose's one-shot `files`/`web-files` services, as the site's compose.yml runs them:
    root, the site's folder of MORTAR_FILES_DIR bound at /srv/files."""
    s = running_site
    target = tmp_path / s.slug.replace("_", "-")
    target.mkdir()
    for image, name, probe in (
        (s.api_image, "static", "admin/css/base.css"),
        (s.web_image, "assets", "mortar_web/img/favicon.svg"),
    ):
        ctr = Container(image, f"files-{name}")
        try:
            res = ctr.run(
                {}, ["mortar-entrypoint", "publish-files"],
                options=["--user", "0:0", "-v", f"{target}:/srv/files"],
            )  # fmt: skip
        finally:
            ctr.stop()
        assert res.returncode == 0, res.stdout + res.stderr
        assert f"to /srv/files/{name}" in res.stdout
        published = target / name / probe
        assert published.is_file(), sorted(p.name for p in (target / name).iterdir())
        assert published.stat().st_mode & 0o777 == 0o644  # nginx's workers read it
    media = (target / "media").stat()
    assert (media.st_uid, media.st_gid) == (10001, 10001)  # the api's user writes uploads


def test_base_images_carry_version_labels(base_images: dict[str, str]) -> None:
    from .containers import VERSION

    for ref in base_images.values():
        labels = image_config(ref)["Docker"]["config"]["Labels"]
        assert labels["org.opencontainers.image.version"] == VERSION
        assert labels["org.opencontainers.image.revision"]
        assert labels["org.opencontainers.image.source"]


def test_pin_mismatch_fails_the_site_build_clearly(
    base_images: dict[str, str], tmp_path: Path, artifacts: Path
) -> None:
    """A site pinning another mortar-api than its base image has must not build."""
    site_dir = generate_site(tmp_path, "img_pin")
    pyproject = site_dir / "api" / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace(f'"mortar-api=={_ver(text)}"', '"mortar-api==0.0.1"'))
    log = artifacts / "build-pin-mismatch.log"
    log.unlink(missing_ok=True)
    rc = build_images("--site", str(site_dir), "--tag", "pin-test", log=log)
    out = log.read_text()
    assert rc != 0
    assert "pins 'mortar-api==0.0.1' but the base image has mortar-api" in out
    buildah("rmi", "mortarcms/img-pin-api:pin-test")


def test_site_extra_requirement_is_installed_in_its_image(
    base_images: dict[str, str], tmp_path: Path, artifacts: Path
) -> None:
    """A requirement added to the site's api/pyproject.toml lands in its api image."""
    site_dir = generate_site(tmp_path, "img_deps")
    pyproject = site_dir / "api" / "pyproject.toml"
    text = pyproject.read_text()
    pin = f'"mortar-api=={_ver(text)}"'
    pyproject.write_text(text.replace(pin, pin + ', "humanize>=4"'))
    # the image installs from api/requirements.lock (base venvs shared with the e2e tier)
    lock_env = {**os.environ, "MORTAR_HOME": str(tmp_path / "home"),
                "MORTAR_BASE_VENVS": str(KIT / "test-artifacts" / "base-venvs")}  # fmt: skip
    res = subprocess.run(
        [MORTAR, "site", "lock", str(site_dir)], env=lock_env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert res.returncode == 0 and "humanize" in res.stdout, res.stdout + res.stderr
    log = artifacts / "build-extra-requirement.log"
    log.unlink(missing_ok=True)
    rc = build_images("--site", str(site_dir), "--tag", "deps-test", "api", log=log)
    assert rc == 0, log.read_text()[-4000:]
    ctr = Container("mortarcms/img-deps-api:deps-test", "deps")
    try:
        res = ctr.run({}, ["python", "-c", "import humanize, site_apps.notices; print('ok')"])
    finally:
        ctr.stop()
        buildah("rmi", "mortarcms/img-deps-api:deps-test")
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stdout + res.stderr


def _ver(text: str) -> str:
    import re

    m = re.search(r'"mortar-api(?:\[s3\])?==([^"]+)"', text)
    assert m, text
    return m.group(1)
