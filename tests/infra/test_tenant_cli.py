"""`mortar tenant list/migrate/suspend/resume/remove` through the real CLI, against a
provisioned site database (the site's api runs from the kit venv: a stand-in site venv)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest
from infra_support import PG_ADMIN, mortar, ok, standin_site
from mortar_infra.envfile import update_env
from mortar_infra.manifest import load_site
from mortar_infra.tenants import migrate_for_up

SLUG = "itt_tenants"
# the site's settings; ITT_PROBE=1 in its .env adds the test app scale_probe (new migrations)
PROBE_SETTINGS = """import os

from mortar_api.settings import *  # noqa: F403
from mortar_api.settings import INSTALLED_APPS, TENANT_APPS

if os.environ.get("ITT_PROBE") == "1":
    TENANT_APPS = [*TENANT_APPS, "scale_probe"]
    INSTALLED_APPS = [*INSTALLED_APPS, "scale_probe"]
"""


@pytest.fixture
def site(tmp_path: Path, cleanup_slugs: list[str]) -> Path:
    """A site folder with a settings module and a venv that is the kit's, provisioned and
    migrated (`mortar site manage ... migrate_tenants`), with two tenants."""
    cleanup_slugs.append(SLUG)
    site_dir = standin_site(tmp_path, SLUG, ["main.itt.localhost"], PROBE_SETTINGS)
    for domain in ("one.itt.localhost", "two.itt.localhost"):
        ok(mortar("tenant", "add", str(site_dir), "--domain", domain))
    return site_dir


def _rows(site_dir: Path) -> dict[str, dict]:
    rows = json.loads(ok(mortar("tenant", "list", str(site_dir), "--json")).stdout)
    return {r["schema"]: r for r in rows}


def test_tenant_lifecycle(site: Path) -> None:
    rows = _rows(site)
    assert set(rows) == {"one_itt_localhost", "two_itt_localhost"}
    one = rows["one_itt_localhost"]
    assert one["domains"] == ["one.itt.localhost"] and one["state"] == "active"
    assert one["migration"] == "up to date" and one["size_bytes"] > 0

    text = ok(mortar("tenant", "list", str(site))).stdout.splitlines()
    assert text[0].split() == ["SCHEMA", "STATE", "MIGRATIONS", "SIZE", "DOMAINS"]
    assert any(ln.split()[:4] == ["one_itt_localhost", "active", "up", "to"] for ln in text), text

    out = ok(mortar("tenant", "suspend", str(site), "one_itt_localhost")).stdout
    assert "one_itt_localhost: suspended" in out
    assert _rows(site)["one_itt_localhost"]["state"] == "suspended"
    assert _rows(site)["two_itt_localhost"]["state"] == "active"
    ok(mortar("tenant", "resume", str(site), "one_itt_localhost"))
    assert _rows(site)["one_itt_localhost"]["state"] == "active"

    res = ok(mortar("tenant", "migrate", str(site), "--processes", "2"))
    assert "0 migrated, 0 failed, 3 up to date" in res.stdout  # two tenants + the template
    res = ok(mortar("tenant", "migrate", str(site), "--only", "two_itt_localhost"))
    assert "0 migrated, 0 failed, 1 up to date" in res.stdout

    out = ok(mortar("tenant", "remove", str(site), "two_itt_localhost", "--yes")).stdout
    assert "tenant two_itt_localhost removed (two.itt.localhost)" in out
    assert set(_rows(site)) == {"one_itt_localhost"}
    known = json.loads((Path(os.environ["MORTAR_HOME"]) / "sites" / SLUG / "site.json").read_text())
    assert "two.itt.localhost" not in known["extra_domains"]
    assert "one.itt.localhost" in known["extra_domains"]


def test_tenant_commands_bad_input(site: Path) -> None:
    res = mortar("tenant", "suspend", str(site), "nope")
    assert res.returncode == 1 and "no tenant 'nope'" in res.stderr
    res = mortar("tenant", "migrate", str(site), "--only", "nope")
    assert res.returncode == 1 and "no tenant(s): nope" in res.stderr
    res = mortar("tenant", "migrate", str(site), "--processes", "0")
    assert res.returncode == 2
    res = mortar("tenant", "remove", str(site), "nope", "--yes")
    assert res.returncode == 2 and "has no tenant 'nope'" in res.stderr
    res = mortar("tenant", "remove", str(site), "one_itt_localhost", input="n\n")
    assert res.returncode == 1 and "Aborted" in res.stderr
    assert set(_rows(site)) == {"one_itt_localhost", "two_itt_localhost"}


def _sql(statement: str) -> None:
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/site_{SLUG}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def test_a_failed_tenant_migration_does_not_stop_the_site(site: Path) -> None:
    _sql("CREATE TABLE one_itt_localhost.scale_probe_probe (id int)")  # conflicts with 0001
    update_env(site / ".env", {"ITT_PROBE": "1"})  # the code now has new migrations

    warnings = migrate_for_up(load_site(site), site)  # what `mortar site up` runs
    assert any(w.startswith("failed one_itt_localhost: ProgrammingError") for w in warnings)
    assert warnings[-1].endswith(f"`mortar tenant migrate {site} --failed`")
    rows = _rows(site)
    assert rows["one_itt_localhost"]["state"] == "maintenance"
    assert rows["one_itt_localhost"]["migration"] == "failed"
    assert "already exists" in rows["one_itt_localhost"]["migration_error"]
    assert rows["two_itt_localhost"]["state"] == "active"
    assert rows["two_itt_localhost"]["migration"] == "up to date"
    text = ok(mortar("tenant", "list", str(site))).stdout
    assert "error: ProgrammingError" in text

    res = mortar("tenant", "migrate", str(site))  # still failing: exit 1, named
    assert res.returncode == 1
    assert "0 migrated, 1 failed" in res.stdout and "failed one_itt_localhost" in res.stdout
    assert "migrating: 1/1 (100%)" in res.stderr

    _sql("DROP TABLE one_itt_localhost.scale_probe_probe")  # the fix
    res = ok(mortar("tenant", "migrate", str(site), "--failed"))
    assert "1 migrated, 0 failed" in res.stdout
    assert _rows(site)["one_itt_localhost"]["state"] == "active"
    assert migrate_for_up(load_site(site), site) == []
