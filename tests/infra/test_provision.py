"""Per-site PostgreSQL database/role and Redis ACL user on the real shared servers."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from infra_support import PG_ADMIN, REDIS_ADMIN, mortar, ok, write_site
from mortar_infra.envfile import read_env
from mortar_infra.manifest import load_site
from mortar_infra.provision import provision


@pytest.fixture
def two_sites(tmp_path: Path, cleanup_slugs: list[str]) -> tuple[dict, dict]:
    out = []
    for slug in ("itb_alpha", "itb_beta"):
        cleanup_slugs.append(slug)
        site = write_site(tmp_path, slug, [f"{slug.replace('_', '-')}.localhost"])
        provision(load_site(site))  # in-process for speed; the CLI is used in the tests
        out.append({"slug": slug, "dir": site, **read_env(site / ".env")})
    return out[0], out[1]


def _pg(url: str, dbname: str | None = None) -> psycopg.Connection:
    kwargs = {"dbname": dbname} if dbname else {}
    return psycopg.connect(url, autocommit=True, connect_timeout=5, **kwargs)


def test_env_written_with_own_credentials(two_sites: tuple[dict, dict]) -> None:
    a, b = two_sites
    assert a["DATABASE_URL"].startswith("postgres://site_itb_alpha:")
    admin = urlsplit(PG_ADMIN)  # the site's URL names the admin URL's server
    assert a["DATABASE_URL"].endswith(f"@{admin.hostname}:{admin.port or 5432}/site_itb_alpha")
    assert a["REDIS_URL"].startswith("redis://site_itb_alpha:")
    assert a["MORTAR_REDIS_PREFIX"] == "itb_alpha"
    assert a["DATABASE_URL"].split("@")[0] != b["DATABASE_URL"].split("@")[0].replace(
        "beta", "alpha"
    )
    assert (a["dir"] / ".env").stat().st_mode & 0o077 == 0


def test_provision_twice_is_a_noop(two_sites: tuple[dict, dict]) -> None:
    a, _ = two_sites
    env_before = (a["dir"] / ".env").read_text()
    with _pg(a["DATABASE_URL"]) as conn:
        conn.execute("CREATE TABLE keepme (id int)")
        conn.execute("INSERT INTO keepme VALUES (42)")
        oid = conn.execute(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    res = ok(mortar("site", "provision", str(a["dir"])))
    assert "unchanged" in res.stdout
    assert (a["dir"] / ".env").read_text() == env_before
    with _pg(a["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT id FROM keepme").fetchone() == (42,)
        assert (
            conn.execute(
                "SELECT oid FROM pg_database WHERE datname = current_database()"
            ).fetchone()
            == oid
        )
    r = redis.Redis.from_url(a["REDIS_URL"])
    assert r.ping()


def test_database_ownership_and_public_connect_revoked(two_sites: tuple[dict, dict]) -> None:
    a, _ = two_sites
    with _pg(PG_ADMIN) as admin:
        (owner,) = admin.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'site_itb_alpha'"
        ).fetchone()
        assert owner == "site_itb_alpha"
        assert admin.execute(
            "SELECT has_database_privilege('public', 'site_itb_alpha', 'CONNECT')"
        ).fetchone() == (False,)
        attrs = admin.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles"
            " WHERE rolname = 'site_itb_alpha'"
        ).fetchone()
        assert attrs == (False, False, False)
    # django-tenants: one schema per tenant inside the site's own database.
    with _pg(a["DATABASE_URL"]) as conn:
        conn.execute("CREATE SCHEMA tenant_one")
        conn.execute("CREATE TABLE tenant_one.t (id int)")


def test_site_role_cannot_connect_to_another_sites_database(two_sites: tuple[dict, dict]) -> None:
    a, _ = two_sites
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        _pg(a["DATABASE_URL"], dbname="site_itb_beta")


def test_site_redis_user_is_confined_to_its_prefix(two_sites: tuple[dict, dict]) -> None:
    a, b = two_sites
    ra, rb = redis.Redis.from_url(a["REDIS_URL"]), redis.Redis.from_url(b["REDIS_URL"])
    rb.set("itb_beta:secret", "b")
    ra.set("itb_alpha:k", "a")
    assert ra.get("itb_alpha:k") == b"a"
    for attempt in (
        lambda: ra.get("itb_beta:secret"),
        lambda: ra.set("itb_beta:secret", "pwned"),
        lambda: ra.delete("itb_beta:secret"),
        lambda: ra.set("unprefixed", "x"),
        lambda: ra.flushdb(),
        lambda: ra.flushall(),
        lambda: ra.keys("*"),
        lambda: ra.scan(0),
        lambda: ra.config_get("*"),
        lambda: ra.execute_command("ACL", "LIST"),
        lambda: ra.publish("itb_beta:chan", "x"),
        lambda: ra.info(),
        lambda: ra.script_flush(),
        lambda: ra.pubsub_channels(),
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            attempt()
    assert rb.get("itb_beta:secret") == b"b"
    # The same through redis-cli, as an operator would check it.
    cli = subprocess.run(
        ["redis-cli", "-u", a["REDIS_URL"], "--no-auth-warning", "GET", "itb_beta:secret"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert "NOPERM" in cli.stdout + cli.stderr
    ps = ra.pubsub()
    with pytest.raises(redis.exceptions.NoPermissionError):
        ps.psubscribe("itb_beta:*")
        ps.get_message(timeout=1)
    ps.close()
    # What the site needs inside its prefix: data types, transactions, scripts, locks.
    pipe = ra.pipeline()
    pipe.incr("itb_alpha:n").expire("itb_alpha:n", 60).hset("itb_alpha:h", "f", "v")
    pipe.lpush("itb_alpha:l", 1).sadd("itb_alpha:s", 1).zadd("itb_alpha:z", {"m": 1})
    pipe.execute()
    with ra.lock("itb_alpha:lock", timeout=5, blocking_timeout=2):
        assert ra.exists("itb_alpha:lock")
    assert not ra.exists("itb_alpha:lock")


def test_existing_env_lines_and_template_passwords_are_kept(
    tmp_path: Path, cleanup_slugs: list[str]
) -> None:
    cleanup_slugs.append("itb_gamma")
    site = write_site(tmp_path, "itb_gamma", ["gamma.localhost"])
    (site / ".env").write_text(
        "# made by the template\nSECRET_KEY=s3cret\nDB_PASSWORD=dbpw-from-template\n"
        "REDIS_PASSWORD=redispw-from-template\nMORTAR_VERSION=1.0.0\n"
    )
    ok(mortar("site", "provision", str(site)))
    env = read_env(site / ".env")
    text = (site / ".env").read_text()
    assert text.startswith("# made by the template\nSECRET_KEY=s3cret\n")
    assert env["MORTAR_VERSION"] == "1.0.0"
    assert ":dbpw-from-template@" in env["DATABASE_URL"]
    assert ":redispw-from-template@" in env["REDIS_URL"]
    with _pg(env["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("site_itb_gamma",)
    assert (
        redis.Redis.from_url(env["REDIS_URL"]).execute_command("ACL", "WHOAMI") == b"site_itb_gamma"
    )


def test_deprovision_asks_dumps_and_drops_everything(
    two_sites: tuple[dict, dict], tmp_path: Path
) -> None:
    a, b = two_sites
    with _pg(a["DATABASE_URL"]) as conn:
        conn.execute("CREATE TABLE precious (v text)")
        conn.execute("INSERT INTO precious VALUES ('keep me in the dump')")
    redis.Redis.from_url(a["REDIS_URL"]).set("itb_alpha:cache:x", "1")
    redis.Redis.from_url(b["REDIS_URL"]).set("itb_beta:cache:x", "1")
    held = _pg(a["DATABASE_URL"])  # an open connection must not block the drop

    res = mortar("site", "deprovision", "itb_alpha", input="n\n")
    assert res.returncode == 1 and "Aborted" in res.stderr
    with _pg(PG_ADMIN) as admin:
        assert admin.execute("SELECT 1 FROM pg_database WHERE datname='site_itb_alpha'").fetchone()

    dump = tmp_path / "dumps" / "alpha.dump"
    ok(mortar("site", "deprovision", "itb_alpha", "--yes", "--dump", str(dump)))
    held.close()
    listing = (
        __import__("subprocess")
        .run(["pg_restore", "--list", str(dump)], capture_output=True, text=True, check=True)
        .stdout
    )
    assert "TABLE public precious" in listing
    with _pg(PG_ADMIN) as admin:
        assert not admin.execute(
            "SELECT 1 FROM pg_database WHERE datname='site_itb_alpha'"
        ).fetchone()
        assert not admin.execute("SELECT 1 FROM pg_roles WHERE rolname='site_itb_alpha'").fetchone()
    r = redis.Redis.from_url(REDIS_ADMIN)
    assert b"site_itb_alpha" not in r.execute_command("ACL", "USERS")
    assert not list(r.scan_iter(match="itb_alpha:*"))
    assert r.get("itb_beta:cache:x") == b"1"  # the other site is untouched
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis.from_url(a["REDIS_URL"]).ping()


def test_deprovision_unknown_site_is_a_usage_error() -> None:
    res = mortar("site", "deprovision", "itb_nosuch", "--yes")
    assert res.returncode == 2
    assert res.stderr.startswith("error: unknown site 'itb_nosuch'")


def test_failed_dump_drops_nothing(two_sites: tuple[dict, dict], tmp_path: Path) -> None:
    a, _ = two_sites
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    res = mortar("site", "deprovision", "itb_alpha", "--yes", "--dump", str(blocker / "x.dump"))
    assert res.returncode == 1
    assert res.stderr.startswith("error: cannot write the dump to")
    assert len(res.stderr.strip().splitlines()) == 1
    with _pg(a["DATABASE_URL"]) as conn:  # database, role and password all still there
        conn.execute("SELECT 1")
    assert redis.Redis.from_url(a["REDIS_URL"]).ping()


def test_compose_provision_writes_the_files_folder(
    two_sites: tuple[dict, dict], tmp_path: Path
) -> None:
    a, _ = two_sites
    env_before = (a["dir"] / ".env").read_text()
    res = mortar("site", "provision", str(a["dir"]), "--files-dir", str(tmp_path / "nope"))
    assert res.returncode == 2
    assert "no such folder (the shared stack's files)" in res.stderr
    assert (a["dir"] / ".env").read_text() == env_before  # nothing written
    files = tmp_path / "shared-files"
    files.mkdir()
    args = ("--db-host", "postgres", "--redis-host", "redis", "--files-dir", str(files))
    ok(mortar("site", "provision", str(a["dir"]), *args))
    env = read_env(a["dir"] / ".env")
    assert env["MORTAR_FILES_DIR"] == str(files)
    assert "@postgres:" in env["DATABASE_URL"] and "@redis:" in env["REDIS_URL"]
