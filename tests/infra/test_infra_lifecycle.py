"""`mortar infra up/down` with private PostgreSQL/Redis: down stops only what up started."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from infra_support import PG_ADMIN, REDIS_ADMIN, mortar, ok, write_site
from mortar_infra.config import DEFAULT_POSTGRES_ADMIN_URL, DEFAULT_REDIS_ADMIN_URL
from mortar_infra.envfile import read_env
from mortar_infra.probes import pg_ok, redis_ok


@pytest.fixture
def private_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Under /tmp with 0755 so the `postgres` user (used when running as root) can reach it.
    home = Path(tempfile.mkdtemp(prefix="mortar-ite-", dir="/tmp"))
    home.chmod(0o755)
    monkeypatch.setenv("MORTAR_HOME", str(home))
    monkeypatch.delenv("MORTAR_POSTGRES_ADMIN_URL")
    monkeypatch.delenv("MORTAR_REDIS_ADMIN_URL")
    yield home
    mortar("infra", "down")
    shutil.rmtree(home, ignore_errors=True)


def _status() -> dict:
    return json.loads(mortar("infra", "status", "--json").stdout)


def test_private_servers_up_provision_down(private_home: Path, tmp_path: Path) -> None:
    ok(mortar("infra", "up", "--private"))
    st = _status()
    comps = {c["name"]: c for c in st["components"]}
    assert st["healthy"], st
    assert comps["postgres"]["mode"] == "private" and ":5432/" not in comps["postgres"]["address"]
    assert comps["redis"]["mode"] == "private" and ":6379/" not in comps["redis"]["address"]

    # Idempotent: a second up changes nothing and keeps the same servers.
    ok(mortar("infra", "up"))
    assert {c["address"] for c in _status()["components"]} == {
        c["address"] for c in st["components"]
    }

    # Sites provisioned against the private servers (admin URLs come from the state file).
    site = write_site(tmp_path, "ite_priv", ["priv.localhost"])
    ok(mortar("site", "provision", str(site)))
    env = read_env(site / ".env")
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("site_ite_priv",)
    assert redis.Redis.from_url(env["REDIS_URL"]).set("ite_priv:x", 1)
    assert "user site_ite_priv" in (private_home / "redis" / "users.acl").read_text()

    ok(mortar("infra", "down"))
    st = _status()
    assert not any(c["ok"] for c in st["components"]), st
    # The machine's shared servers were never touched.
    with psycopg.connect(PG_ADMIN) as conn:
        conn.execute("SELECT 1")
    assert redis.Redis.from_url(REDIS_ADMIN).ping()

    # Back up: same data, the ACL user survived the Redis restart (ACL SAVE).
    ok(mortar("infra", "up"))
    assert redis.Redis.from_url(env["REDIS_URL"]).get("ite_priv:x") == b"1"


def test_down_leaves_external_servers_alone(tmp_path: Path) -> None:
    ok(mortar("infra", "up"))
    st = _status()
    assert st["healthy"]
    assert {c["mode"] for c in st["components"] if c["name"] != "nginx"} == {"external"}
    ok(mortar("infra", "down"))
    comps = {c["name"]: c["ok"] for c in _status()["components"]}
    assert comps == {"nginx": False, "postgres": True, "redis": True}
    assert os.environ["MORTAR_POSTGRES_ADMIN_URL"] == PG_ADMIN
    # down twice is fine
    ok(mortar("infra", "down"))


def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", int(os.environ["MORTAR_HTTP_PORT"])))
        s.listen()
        res = mortar("infra", "up")
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: nginx did not start:")
    assert "Address already in use" in lines[0]
    assert not json.loads(mortar("infra", "status", "--json").stdout)["healthy"]


@pytest.mark.skipif(
    not (pg_ok(DEFAULT_POSTGRES_ADMIN_URL)[0] and redis_ok(DEFAULT_REDIS_ADMIN_URL)[0]),
    reason="this machine has no PostgreSQL/Redis of its own on loopback (a fresh machine)",
)
def test_without_admin_urls_the_machines_loopback_servers_are_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MORTAR_POSTGRES_ADMIN_URL")
    monkeypatch.delenv("MORTAR_REDIS_ADMIN_URL")
    out = ok(mortar("infra", "up")).stdout
    try:
        assert "PostgreSQL: using postgresql://postgres@127.0.0.1:5432/postgres" in out
        assert "Redis: using redis://127.0.0.1:6379/0" in out
        st = _status()
        assert st["healthy"] and {c["mode"] for c in st["components"]} == {"native", "external"}
    finally:
        ok(mortar("infra", "down"))


@pytest.mark.skipif(os.geteuid() != 0, reason="the postgres-user fallback only applies to root")
def test_root_private_postgres_lives_outside_a_home_postgres_cannot_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root's default home (~/.mortar under a 0700 ~) works without setting anything: the
    cluster goes to /var/lib/mortar/postgres-<hash>, linked from the home, and survives
    down/up."""
    from mortar_infra.privateservers import PG_FALLBACK_ROOT

    tmp_path.chmod(0o700)
    home = tmp_path / "root-home" / ".mortar"
    monkeypatch.setenv("MORTAR_HOME", str(home))
    monkeypatch.delenv("MORTAR_POSTGRES_ADMIN_URL")
    monkeypatch.delenv("MORTAR_POSTGRES_DIR", raising=False)
    try:
        ok(mortar("infra", "up", "--private"))
        link = home / "postgres"
        base = link.resolve()
        assert link.is_symlink() and base.parent == PG_FALLBACK_ROOT
        assert base.stat().st_uid == pwd.getpwnam("postgres").pw_uid
        url = json.loads((home / "infra.json").read_text())["postgres"]["url"]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int)")
        ok(mortar("infra", "down"))
        ok(mortar("infra", "up"))
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    finally:
        mortar("infra", "down")
        if (home / "postgres").is_symlink():
            shutil.rmtree((home / "postgres").resolve(), ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the postgres-user check only applies to root")
def test_private_postgres_dir_unreachable_by_postgres_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    tmp_path.chmod(0o700)
    monkeypatch.setenv("MORTAR_POSTGRES_DIR", str(locked / "pg"))
    monkeypatch.delenv("MORTAR_POSTGRES_ADMIN_URL")
    res = mortar("infra", "up", "--private")
    assert res.returncode == 1
    assert res.stderr.startswith("error: private PostgreSQL runs as user postgres")
    assert "MORTAR_POSTGRES_DIR" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
