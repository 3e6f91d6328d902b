"""Generated sites: layout, answers carried through, fresh secrets, compose/Procfile/manifest."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import ANSWER_SETS, KIT, generate
from mortar_infra.envfile import read_env
from mortar_infra.manifest import read_manifest
from mortar_infra.procs import ROLES, read_procfile

CONTRACT_ENV = [
    "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MORTAR_REDIS_PREFIX", "MORTAR_SITE_SLUG",
    "MORTAR_VERSION", "MORTAR_LANGUAGES", "MORTAR_DOMAINS", "MORTAR_API_URL", "DJANGO_DEBUG",
    "MORTAR_MEDIA_STORAGE", "EMAIL_PROVIDER", "DEFAULT_FROM_EMAIL", "TIME_ZONE", "DB_PASSWORD",
    "REDIS_PASSWORD", "MORTAR_CELERY_APP",
]  # fmt: skip


def test_root_cookiecutter_json_is_a_nested_template_entry():
    import json

    root = json.loads((KIT / "cookiecutter.json").read_text())
    assert list(root["templates"]) == ["mortar-site"]
    assert (KIT / root["templates"]["mortar-site"]["path"] / "cookiecutter.json").is_file()
    # one source for the hooks
    assert (KIT / "template" / "hooks").resolve() == (KIT / "hooks").resolve()


def test_version_default_is_the_kits():
    import json

    answers = json.loads((KIT / "template" / "cookiecutter.json").read_text())
    assert answers["mortar_version"] == (KIT / "VERSION").read_text().strip()


def test_defaults_derive_slug_and_domain(sites):
    site = sites["defaults"].site
    assert site.name == "tpl_defaults"
    m = read_manifest(site)
    assert m["slug"] == "tpl_defaults"
    assert m["domains"] == ["tpl-defaults.localhost"]
    assert m["mortar_version"] == (KIT / "VERSION").read_text().strip()
    assert "Next steps" in sites["defaults"].stdout


def test_unicode_name_is_kept_and_slug_transliterated(sites):
    site = sites["unicode"].site
    assert site.name == "cafe_unicode_shrk"
    manifest = tomllib.loads((site / "mortar.toml").read_text())
    assert manifest["site"]["name"] == ANSWER_SETS["unicode"]["site_name"]
    assert ANSWER_SETS["unicode"]["site_name"] in (site / "README.md").read_text()


def test_site_name_reaches_the_api_settings(sites):
    """The first tenant is named (and greets) with the answer, quotes and all."""
    import ast

    for name, g in sites.items():
        settings_py = g.site / "api" / f"{g.site.name}_api" / "settings.py"
        tree = ast.parse(settings_py.read_text())
        (value,) = [
            node.value.values[1].value
            for node in tree.body
            if isinstance(node, ast.Assign) and node.targets[0].id == "MORTAR_SITE_NAME"
        ]
        assert value == ANSWER_SETS[name]["site_name"], name


def test_env_has_the_contract_variables_and_is_private(sites):
    for name, g in sites.items():
        env_path = g.site / ".env"
        env = read_env(env_path)
        missing = [k for k in CONTRACT_ENV if not env.get(k)]
        assert not missing, (name, missing)
        slug = g.site.name
        assert env["DATABASE_URL"].startswith(f"postgres://site_{slug}:{env['DB_PASSWORD']}@")
        assert env["REDIS_URL"].startswith(f"redis://site_{slug}:{env['REDIS_PASSWORD']}@")
        assert env["MORTAR_REDIS_PREFIX"] == slug
        assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
        assert ".env" in (g.site / ".gitignore").read_text().splitlines()


def test_secrets_differ_between_sites(sites):
    envs = [read_env(g.site / ".env") for g in sites.values()]
    for key in ("SECRET_KEY", "DB_PASSWORD", "REDIS_PASSWORD"):
        values = [e[key] for e in envs]
        assert len(set(values)) == len(values), key
        assert all(len(v) >= 40 for v in values)


def test_answers_reach_env(sites):
    env = read_env(sites["unicode"].site / ".env")
    assert env["MORTAR_LANGUAGES"] == "en,ar"
    assert env["TIME_ZONE"] == "Asia/Dubai"
    assert env["MORTAR_ADMIN_EMAIL"] == "owner@cafe.example.com"
    env = read_env(sites["arabic_first"].site / ".env")
    assert env["MORTAR_LANGUAGES"] == "ar,en"
    assert env["MORTAR_DOMAINS"] == "arabic.example.org"


def test_s3_site_gets_bucket_settings_and_files(sites):
    site = sites["s3"].site
    env = read_env(site / ".env")
    assert env["MORTAR_MEDIA_STORAGE"] == "s3"
    assert env["AWS_STORAGE_BUCKET_NAME"] == "tpl-media"
    assert env["AWS_S3_ENDPOINT_URL"] == "https://s3.example.net"
    assert env["AWS_S3_REGION_NAME"] == "eu-west-1"
    assert (site / "deploy" / "S3.md").is_file() and (site / "deploy" / "s3-cors.json").is_file()
    assert "mortar-api[s3]==" in (site / "api" / "pyproject.toml").read_text()


def test_local_site_has_no_s3_files(sites):
    site = sites["defaults"].site
    assert not (site / "deploy").exists()
    assert "AWS_" not in (site / ".env").read_text()
    assert "[s3]" not in (site / "api" / "pyproject.toml").read_text()


def test_packages_pin_the_chosen_version(sites):
    site = sites["defaults"].site
    version = (KIT / "VERSION").read_text().strip()
    assert f'"mortar-api=={version}"' in (site / "api" / "pyproject.toml").read_text()
    assert f'"mortar-web=={version}"' in (site / "web" / "pyproject.toml").read_text()
    assert read_env(site / ".env")["MORTAR_VERSION"] == version


def test_layout_holds_only_site_specific_code(sites):
    site = sites["defaults"].site
    slug = site.name
    for rel in [
        "mortar.toml", "Procfile", "compose.yml", "README.md", ".gitignore", "pyproject.toml",
        f"api/{slug}_api/settings.py", f"api/{slug}_api/urls.py", f"api/{slug}_api/wsgi.py",
        f"api/{slug}_api/celery.py", "api/manage.py", "api/site_apps/notices/models.py",
        "api/site_apps/notices/admin.py", "api/site_apps/notices/views.py",
        "api/site_apps/notices/tasks.py", "api/site_apps/notices/migrations/0001_initial.py",
        f"web/{slug}_web/settings.py", f"web/{slug}_web/static/site/site.css",
        f"web/{slug}_web/templates/mortar_web/404.html",
        "tests/test_notices.py",
    ]:  # fmt: skip
        assert (site / rel).is_file(), rel
    settings = (site / f"api/{slug}_api/settings.py").read_text()
    assert "from mortar_api.settings import *" in settings


def test_cruft_state_records_the_kit_commit_and_answers(sites):
    """`.cruft.json` from the post-generation hook: `cruft check` accepts it (the site is
    at the kit's commit), so `cruft update` / `mortar site upgrade` can follow the template."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=KIT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("the kit is not a git checkout: no .cruft.json (docs/upgrading.md)")
    site = sites["defaults"].site
    state = json.loads((site / ".cruft.json").read_text())
    assert state["template"] == str(KIT.resolve()) and state["directory"] == "template"
    assert state["commit"] == head.stdout.strip()
    assert state["context"]["cookiecutter"]["site_name"] == "Tpl Defaults"
    assert state["context"]["cookiecutter"]["site_slug"] == site.name
    assert ".env" in state["skip"]
    cruft = Path(sys.executable).with_name("cruft")
    check = subprocess.run([str(cruft), "check"], cwd=site, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_procfile_has_the_processes_beat_inside_the_worker(sites):
    site = sites["defaults"].site
    procs = read_procfile(site)
    assert set(procs) == set(ROLES) - {"beat"}  # one beat: the worker's (MORTAR_BEAT=embedded)
    assert procs["worker"] == "env MORTAR_BEAT=embedded python -m mortar_api.run worker"
    # api/worker through mortar-api's role runner
    for role in ("api", "worker"):
        assert procs[role].endswith(f"python -m mortar_api.run {role}") or (
            f"python -m mortar_api.run {role} " in procs[role]
        )
    assert f"MORTAR_WSGI_APP={site.name}_api.wsgi:application" in procs["api"]
    assert f"DJANGO_SETTINGS_MODULE={site.name}_web.settings" in procs["web"]


def test_metrics_are_off_until_a_port_is_set_and_never_published(sites):
    for name, g in sites.items():
        assert read_env(g.site / ".env")["MORTAR_METRICS_PORT"] == "", name
    site = sites["defaults"].site
    services = yaml.safe_load((site / "compose.yml").read_text())["services"]
    for name in ("api", "web", "worker"):
        # in-container bind so a scraper on the network reaches it; no host port mapping
        assert services[name]["environment"]["MORTAR_METRICS_HOST"] == "0.0.0.0"  # noqa: S104
        assert "ports" not in services[name], name
    # web's gunicorn runs with the metrics hooks natively too (the api's run.py adds them)
    web = next(
        line for line in (site / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    assert "--config python:mortar_web.gunicorn_conf" in web


def test_compose_file_wires_the_services(sites):
    site = sites["unicode"].site
    slug, dns = site.name, site.name.replace("_", "-")
    compose = yaml.safe_load((site / "compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"files", "web-files", "migrate", "api", "web", "worker"}
    # beat inside the single worker; the worker keeps the api services' environment
    assert services["worker"]["environment"]["MORTAR_BEAT"] == "embedded"
    assert services["worker"]["deploy"]["replicas"] == 1
    assert services["worker"]["environment"]["MORTAR_CELERY_APP"] == f"{slug}_api.celery"
    assert "MORTAR_BEAT" not in services["api"]["environment"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["env_file"] == ".env"
    for name in ("files", "web-files", "migrate"):
        assert services[name]["restart"] == "no", name
    assert services["api"]["networks"]["mortar"]["aliases"] == [f"{dns}-api"]
    assert services["web"]["networks"]["mortar"]["aliases"] == [f"{dns}-web"]
    for name in ("api", "web"):
        # the image's HEALTHCHECK command, which GETs /health/ (exercised in tests/images)
        assert services[name]["healthcheck"]["test"] == ["CMD", "mortar-entrypoint", "healthcheck"]
        assert services[name]["build"]["args"]["MORTAR_VERSION"].startswith("${MORTAR_VERSION")
    assert compose["networks"]["mortar"]["external"] is True
    assert f"site_{slug}" in services["api"]["environment"]["DATABASE_URL"]


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_generated_code_passes_ruff(sites, name):
    import subprocess
    import sys

    ruff = Path(sys.executable).parent / "ruff"
    site = sites[name].site
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run([str(ruff), *args], cwd=site, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_existing_env_is_kept_on_regeneration(tmp_path):
    answers = {"site_name": "Tpl Regen", "site_slug": "tpl_regen"}
    first = generate(tmp_path / "out", answers)
    assert first.rc == 0, first.stderr
    before = (first.site / ".env").read_text()
    again = generate(tmp_path / "out", answers, "--overwrite-if-exists")
    assert again.rc == 0, again.stderr
    assert (again.site / ".env").read_text() == before
    assert not list(again.site.glob(".env.tmp"))
    assert os.listdir(tmp_path / "out") == ["tpl_regen"]


def test_interactive_run_with_all_defaults(tmp_path):
    """`cookiecutter <kit>` with no flags: choose the one template, accept every default."""
    import subprocess

    from conftest import COOKIECUTTER

    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run(
        [str(COOKIECUTTER), str(KIT), "-o", str(out)],
        input="\n" * 20,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Select a template" in proc.stdout
    assert read_manifest(out / "acme_ltd")["domains"] == ["acme-ltd.localhost"]


def test_error_reports_are_off_until_a_dsn_is_set(sites):
    for name, g in sites.items():
        env = read_env(g.site / ".env")
        assert env["SENTRY_DSN"] == "", name
    # the images carry their build's version into the error reports' release
    for role in ("api", "web"):
        dockerfile = (sites["defaults"].site / role / "Dockerfile").read_text()
        assert "ENV SITE_VERSION=${SITE_VERSION}" in dockerfile


def test_mail_goes_to_the_console_until_a_provider_is_set(sites):
    for name, g in sites.items():
        env = read_env(g.site / ".env")
        assert (env["EMAIL_PROVIDER"], env["EMAIL_URL"]) == ("console", ""), name
        assert env["DEFAULT_FROM_EMAIL"] == f"noreply@{env['MORTAR_DOMAINS']}", name
        readme = (g.site / "README.md").read_text()
        assert "## Mail" in readme and "EMAIL_PROVIDER" in readme, name


def test_site_dependencies_are_locked_from_the_start(sites):
    # What `mortar site lock` writes for a site with no extra requirements, byte for byte:
    # spawning needs no package index, and a first `site lock` changes nothing.
    from mortar_infra.sitelock import header

    for name, g in sites.items():
        version = read_env(g.site / ".env")["MORTAR_VERSION"]
        for role in ("api", "web"):
            lock = (g.site / role / "requirements.lock").read_text()
            assert lock == header(role, version), (name, role)
        assert "mortar site lock ." in (g.site / "README.md").read_text(), name
