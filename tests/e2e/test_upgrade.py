"""`mortar site upgrade` for real: a second kit version is built in the test, a generated site
with two tenants and edited content is moved to it through the real CLI.

The new kit is a git copy of this one (the template and the base packages) bumped to the next
patch version by its own `scripts/bump-version`, with one new migration in a tenant app and
one in a shared app, and one new template file. The site is spawned from the copy's first
commit (so it has a `.cruft.json`) and kept in git, as a real site repo is.

First the upgrade fails - the new tenant migration raises on the second tenant only (it reads
UPG_FAIL_SCHEMA) - and everything must be as before: pins, files, venv, database (not even the
first tenant keeps the new migration), and the site serves its content. Then the same upgrade
without the fault succeeds: pins, migrations in public/template/both tenants, the new
template file, the content.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from kitstack import BIN, KIT
from mortar_infra.dumps import admin_conn
from mortar_infra.tenants import schema_for
from psycopg import sql

pytestmark = pytest.mark.e2e

KIT_PARTS = [
    "VERSION", "cookiecutter.json", "template", "hooks", "scripts/bump-version",
    "shared-infra/pyproject.toml", "base-images/api", "base-images/web",
    "base-images/common/contract",
]  # fmt: skip
# ignored as siteenv.source_hash ignores them (copies keep mtimes: the same hash, so the
# first version's base venv is the one the other e2e tests already built)
SKIP = shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info", "*.pyc")
GIT = ["git", "-c", "user.name=upgrade test", "-c", "user.email=upgrade@test.invalid"]

TENANT_MIGRATION = """import os

from django.db import connection, migrations


def check(apps, schema_editor):
    if os.environ.get("UPG_FAIL_SCHEMA") == connection.schema_name:
        raise RuntimeError(f"upgrade probe refuses {{connection.schema_name}}")


class Migration(migrations.Migration):
    dependencies = [("cms", "{cms_leaf}")]
    operations = [
        migrations.RunSQL("CREATE TABLE upgrade_probe (id int)", "DROP TABLE upgrade_probe"),
        migrations.RunPython(check, migrations.RunPython.noop),
    ]
"""
PROBE = "0999_upgrade_probe"  # the newest cms migration in the next release
SHARED_MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_tenant_state")]
    operations = [
        migrations.RunSQL(
            "CREATE TABLE upgrade_probe_public (id int)", "DROP TABLE upgrade_probe_public"
        )
    ]
"""
NEW_FILE = "docs/upgraded.md"
RETITLE_HOME = """
import sys

import django

django.setup()
from django_tenants.utils import schema_context
from mortar_api.cms.models import Page

with schema_context(sys.argv[1]):
    home = Page.objects.get(is_home=True)
    home.title = sys.argv[2]
    home.save()
"""


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def commit(repo: Path, message: str) -> None:
    run(["git", "add", "-A"], repo)
    run([*GIT, "commit", "-q", "-m", message], repo)


def next_patch(version: str) -> str:
    major, minor, patch = version.split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


def make_kit(dest: Path) -> Path:
    for part in KIT_PARTS:
        src, to = KIT / part, dest / part
        to.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, to, symlinks=True, ignore=SKIP)
        else:
            shutil.copy2(src, to)
    run(["git", "init", "-q", "-b", "main"], dest)
    commit(dest, "kit as it is")
    return dest


def release_next(kit: Path) -> str:
    """The kit's next patch version: bumped, two migrations, one template file."""
    version = next_patch((kit / "VERSION").read_text().strip())
    run(["bash", "scripts/bump-version", version], kit)
    api = kit / "base-images" / "api" / "src" / "mortar_api"
    # after the newest cms migration, whatever it is (a release adds its own)
    migrations_dir = api / "cms" / "migrations"
    leaf = max(p.stem for p in migrations_dir.glob("0*.py") if p.stem != PROBE)
    (migrations_dir / f"{PROBE}.py").write_text(TENANT_MIGRATION.format(cms_leaf=leaf))
    (api / "tenancy" / "migrations" / "0003_upgrade_probe.py").write_text(SHARED_MIGRATION)
    new = kit / "template" / "{{cookiecutter.site_slug}}" / NEW_FILE
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_text(f"Upgraded {{{{ cookiecutter.site_name }}}} to {version}.\n")
    commit(kit, f"release {version}")
    return version


def tables(schema: str, db: str) -> set[str]:
    with admin_conn(db) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    return {r[0] for r in rows}


def applied(schema: str, db: str, app: str) -> set[str]:
    query = sql.SQL("SELECT name FROM {}.django_migrations WHERE app = %s")
    with admin_conn(db) as conn:
        rows = conn.execute(query.format(sql.Identifier(schema)), (app,)).fetchall()
    return {r[0] for r in rows}


def pins(site: Path) -> dict[str, str]:
    return {
        rel: (site / rel).read_text()
        for rel in ("mortar.toml", ".env", "api/pyproject.toml", "web/pyproject.toml")
    }


class Site:
    def __init__(self, slug: str, dir: Path) -> None:
        self.slug, self.dir = slug, dir


def test_failed_upgrade_rolls_back_then_upgrade_moves_everything(stack, tag, tmp_path):
    kit = make_kit(tmp_path / "kit")
    env = {**stack.env, "MORTAR_KIT_DIR": str(kit)}

    def mortar(*args: str, extra: dict | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "mortar"), *args], env={**env, **(extra or {})}, capture_output=True,
            text=True, timeout=900,
        )  # fmt: skip

    slug, domain, two = f"e2e_upg_{tag}", f"upg-{tag}.localhost", f"two-upg-{tag}.localhost"
    answers = [f"site_slug={slug}", f"domain={domain}", "site_name=Upgrade Test"]
    run([str(BIN / "cookiecutter"), str(kit), "--no-input", "-o", str(tmp_path), *answers],
        tmp_path, env)  # fmt: skip
    site_dir = tmp_path / slug
    state = json.loads((site_dir / ".cruft.json").read_text())
    assert state["template"] == str(kit.resolve()) and state["directory"] == "template"
    run(["git", "init", "-q"], site_dir)
    commit(site_dir, "spawned")
    old = (kit / "VERSION").read_text().strip()
    db = f"site_{slug}"
    schemas = [slug, schema_for(two)]
    new = None
    try:
        up = mortar("site", "up", str(site_dir))
        assert up.returncode == 0, up.stdout + up.stderr
        added = mortar("tenant", "add", str(site_dir), "--domain", two)
        assert added.returncode == 0, added.stderr
        for schema in schemas:
            proc = stack.site_python(
                Site(slug, site_dir), "-c", RETITLE_HOME, schema, f"Home {schema}"
            )
            assert proc.returncode == 0, proc.stderr

        def serves_content() -> None:
            for host, schema in zip([domain, two], schemas, strict=True):
                mark = f"Home {schema}"
                assert mark in stack.get_fresh(host, "/", lambda r, m=mark: m in r.text).text

        serves_content()
        new = release_next(kit)

        # bad input: nothing changes
        before = pins(site_dir)
        for to, says in [
            ("banana", "is not a version"),
            ("9.9.9", f"provides mortar {new}, not 9.9.9"),
        ]:
            res = mortar("site", "upgrade", str(site_dir), "--to", to)
            assert res.returncode == 2 and says in res.stderr, res.stderr
        dry = mortar("site", "upgrade", str(site_dir), "--to", new, "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert f'mortar_version = "{old}"  ->  mortar_version = "{new}"' in dry.stdout
        assert f"MORTAR_VERSION={old}  ->  MORTAR_VERSION={new}" in dry.stdout
        assert "template files: cruft update" in dry.stdout
        assert pins(site_dir) == before

        # 1. the new tenant migration fails on the second tenant: everything goes back
        failed = mortar(
            "site", "upgrade", str(site_dir), "--to", new, extra={"UPG_FAIL_SCHEMA": schemas[1]}
        )
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "upgrade failed at migrate" in failed.stderr, failed.stderr
        assert f"tenant {schemas[1]}" in failed.stderr, failed.stderr
        assert "upgrade probe refuses" in failed.stderr, failed.stderr
        assert "==> [6/7] migrating" in failed.stdout  # progress of each step
        assert pins(site_dir) == before
        assert not (site_dir / NEW_FILE).exists()
        assert run(["git", "status", "--porcelain"], site_dir) == ""
        for schema in schemas:
            assert "upgrade_probe" not in tables(schema, db)
            assert PROBE not in applied(schema, db, "cms")
        assert "upgrade_probe_public" not in tables("public", db)
        status = json.loads(stack.mortar("site", "status", "--json").stdout)
        assert {r["slug"]: r for r in status}[slug]["state"] == "up"
        serves_content()
        listed = json.loads(mortar("tenant", "list", str(site_dir), "--json").stdout)
        assert {t["schema"]: t["state"] for t in listed}[schemas[1]] == "active"

        # 2. the same upgrade without the fault
        done = mortar("site", "upgrade", str(site_dir), "--to", new)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"upgraded: mortar {old} -> {new}" in done.stdout
        print(done.stdout.splitlines()[-2])  # the figures: whole upgrade, downtime
        for rel, text in pins(site_dir).items():
            assert new in text and old not in text, rel
        cruft = json.loads((site_dir / ".cruft.json").read_text())
        assert cruft["context"]["cookiecutter"]["mortar_version"] == new
        assert cruft["commit"] == run(["git", "rev-parse", "HEAD"], kit).strip()
        assert (site_dir / NEW_FILE).read_text() == f"Upgraded Upgrade Test to {new}.\n"
        assert (site_dir / ".venv.previous").is_dir()
        assert "upgrade_probe_public" in tables("public", db)
        for schema in [*schemas, "mortar_template"]:
            assert "upgrade_probe" in tables(schema, db), schema
            assert PROBE in applied(schema, db, "cms"), schema
        assert not [d for d in json.loads(stack.mortar("site", "status", "--json").stdout)
                    if d["slug"] == slug and d["state"] != "up"]  # fmt: skip
        serves_content()
        with admin_conn() as conn:  # the rollback copy is gone
            left = conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{db}\\_\\_%",)
            ).fetchall()
        assert left == []
    finally:
        stack.mortar("site", "down", str(site_dir), check=False)
        stack.mortar("site", "deprovision", slug, "--yes", check=False)
        if new:  # this test's base venv of the made-up release
            cache = Path(stack.env["MORTAR_BASE_VENVS"])
            for path in [*cache.glob(f"venvs/{new}-*"), cache / "wheels" / new]:
                shutil.rmtree(path, ignore_errors=True)
