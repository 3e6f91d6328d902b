"""A site's own database, login role and Redis ACL user on the shared servers.

PostgreSQL: database `site_<slug>` owned by role `site_<slug>` (LOGIN, no other
attributes), `CONNECT` revoked from PUBLIC, so no other site's role can connect.
Owning the database lets django-tenants create one schema per tenant.

Redis: ACL user `site_<slug>` limited to keys `<slug>:*` and channels `<slug>:*`
(see `redis_acl_rules` for the exact command set and why). Celery must run with
`broker_transport_options` and `result_backend_transport_options` set to
`{"global_keyprefix": "<slug>:"}` (docs/shared-infra.md).

Everything is idempotent: passwords already in the site's `.env` are reused.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg
import redis
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mortar_infra.config import MortarError, postgres_admin_url, redis_admin_url
from mortar_infra.envfile import read_env, update_env
from mortar_infra.manifest import Site
from mortar_infra.urls import redact

log = logging.getLogger(__name__)


def redis_acl_rules(prefix: str, password: str) -> list[str]:
    """ACL SETUSER arguments for a site's Redis user.

    Keys and channels: only `<prefix>:*`. kombu subscribes to its fanout topics
    (worker remote control, `celery inspect`/`control`) with PSUBSCRIBE, and Redis
    matches a PSUBSCRIBE pattern *literally* against the allowed channel patterns,
    so those exact patterns are allowed too (still inside the prefix).
    Commands: data types, pub/sub, transactions and scripts (Django cache,
    Celery broker/results, redis-py locks), minus everything that reaches beyond
    the user's keys: @admin/@dangerous (CONFIG, ACL, FLUSHALL, FLUSHDB, KEYS,
    INFO, ...), SCAN/RANDOMKEY/PUBSUB (list other sites' names), and the
    server-wide script/function management (SCRIPT FLUSH/KILL, FUNCTION).
    """
    return [
        "reset",
        "on",
        f">{password}",
        f"~{prefix}:*",
        f"&{prefix}:*",
        *(f"&{prefix}:{p}" for p in KOMBU_PSUBSCRIBE_PATTERNS),
        "+@all",
        "-@admin",
        "-@dangerous",
        "-scan",
        "-randomkey",
        "-pubsub",
        "-script|flush",
        "-script|kill",
        "-function",
        "-client|kill",
        "-client|list",
    ]


# Literal PSUBSCRIBE patterns kombu uses under the prefix (found by running a real worker
# against this ACL; `/0.` is kombu's fanout prefix for Redis db 0, the db of every REDIS_URL):
# the worker's remote-control box, its heartbeat-event subscription, and event monitors
# such as `celery events` / Flower (routing key `#` becomes `*`).
KOMBU_PSUBSCRIBE_PATTERNS: tuple[str, ...] = (
    "/0.celery.pidbox",
    "/0.celeryev/worker.*",
    "/0.celeryev/*",
)


@dataclass
class Credentials:
    database_url: str
    redis_url: str


def _admin_pg(url: str | None = None) -> psycopg.Connection:
    url = url or postgres_admin_url()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise MortarError(f"cannot reach PostgreSQL ({redact(url)}): {first}") from None


def _admin_redis(url: str | None = None) -> redis.Redis:
    url = url or redis_admin_url()
    r = redis.Redis.from_url(url, socket_connect_timeout=5, decode_responses=True)
    try:
        r.ping()
    except redis.RedisError as exc:
        raise MortarError(f"cannot reach Redis ({redact(url)}): {exc}") from None
    return r


def _password_from(url: str | None, user: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.username and unquote(parts.username) == user and parts.password:
        return unquote(parts.password)
    return None


def _pg_host_port(admin_url: str) -> tuple[str, int]:
    info = conninfo_to_dict(admin_url)
    host = str(info.get("host") or "127.0.0.1")
    if host.startswith("/"):
        host = "127.0.0.1"
    return host, int(info.get("port") or 5432)


def _redis_host_port(admin_url: str) -> tuple[str, int]:
    parts = urlsplit(admin_url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


@contextmanager
def _server_errors(what: str) -> Iterator[None]:
    """Server-side failures become one-line `MortarError`s (nothing half-written to .env)."""
    try:
        yield
    except psycopg.Error as exc:
        msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise MortarError(f"{what}: PostgreSQL: {msg}") from None
    except redis.RedisError as exc:
        raise MortarError(f"{what}: Redis: {exc}") from None
    except OSError as exc:
        raise MortarError(
            f"{what}: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
        ) from None


def provision(
    site: Site,
    db_host: str | None = None,
    redis_host: str | None = None,
) -> Credentials:
    """Create/refresh the site's DB, role and Redis user; write the site's `.env`."""
    with _server_errors(f"provision {site.slug}"):
        return _provision(site, db_host, redis_host)


def _provision(site: Site, db_host: str | None, redis_host: str | None) -> Credentials:
    env = read_env(site.env_path)
    db_pw = (
        _password_from(env.get("DATABASE_URL"), site.db_role)
        or env.get("DB_PASSWORD")
        or secrets.token_urlsafe(32)
    )
    redis_pw = (
        _password_from(env.get("REDIS_URL"), site.redis_user)
        or env.get("REDIS_PASSWORD")
        or secrets.token_urlsafe(32)
    )
    pg_url, r_url = postgres_admin_url(), redis_admin_url()

    r = _admin_redis(r_url)  # both servers must answer before anything changes
    log.info(f"==> PostgreSQL: role and database {site.db_name}")
    _provision_postgres(site, db_pw, pg_url)
    log.info(f"==> Redis: ACL user {site.redis_user} on keys {site.redis_prefix}:*")
    r.execute_command(
        "ACL", "SETUSER", site.redis_user, *redis_acl_rules(site.redis_prefix, redis_pw)
    )
    _acl_save(r)

    pg_host, pg_port = _pg_host_port(pg_url)
    rh, rp = _redis_host_port(r_url)
    creds = Credentials(
        database_url=(
            f"postgres://{site.db_role}:{quote(db_pw, safe='')}@{db_host or pg_host}:{pg_port}"
            f"/{site.db_name}"
        ),
        redis_url=f"redis://{site.redis_user}:{quote(redis_pw, safe='')}@{redis_host or rh}:{rp}/0",
    )
    changed = update_env(
        site.env_path,
        {
            "DATABASE_URL": creds.database_url,
            "REDIS_URL": creds.redis_url,
            "MORTAR_REDIS_PREFIX": site.redis_prefix,
            "MORTAR_SITE_SLUG": site.slug,
        },
    )
    log.info(f"==> {site.env_path}: {'updated' if changed else 'unchanged'}")
    return creds


def _provision_postgres(site: Site, password: str, admin_url: str) -> None:
    role, db = sql.Identifier(site.db_role), sql.Identifier(site.db_name)
    with _admin_pg(admin_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (site.db_role,))
        if exists.fetchone() is None:
            conn.execute(
                sql.SQL(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                ).format(role)
            )
            log.info(f"    created role {site.db_role}")
        # Always (re)set: the .env is the source of truth for the password.
        conn.execute(
            sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, sql.Literal(password))
        )
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (site.db_name,))
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(db, role))
            log.info(f"    created database {site.db_name}")
        else:
            conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, role))
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, role))


def deprovision(site: Site, dump: Path | None = None) -> None:
    """Optionally pg_dump, then drop the site's DB, role, Redis user and keys."""
    with _server_errors(f"deprovision {site.slug}"):
        _deprovision(site, dump)


def _deprovision(site: Site, dump: Path | None) -> None:
    pg_url, r_url = postgres_admin_url(), redis_admin_url()
    with _admin_pg(pg_url) as conn:
        has_db = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (site.db_name,)
        ).fetchone()
        if dump is not None:
            if not has_db:
                raise MortarError(f"nothing to dump: database {site.db_name} does not exist")
            log.info(f"==> pg_dump {site.db_name} -> {dump}")
            _pg_dump(pg_url, site.db_name, dump)
        log.info(f"==> PostgreSQL: dropping database and role {site.db_name}")
        # FORCE terminates the site's open connections first.
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(site.db_name))
        )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(site.db_role)))
    log.info(f"==> Redis: dropping ACL user {site.redis_user} and keys {site.redis_prefix}:*")
    r = _admin_redis(r_url)
    r.execute_command("ACL", "DELUSER", site.redis_user)
    _acl_save(r)
    try:
        r.execute_command("CLIENT", "KILL", "USER", site.redis_user)
    except redis.ResponseError:
        pass  # no such user's clients connected
    log.info(f"    removed {_unlink(r, f'{site.redis_prefix}:*')} keys")


def _unlink(r: redis.Redis, pattern: str) -> int:
    """Delete the keys matching `pattern` (SCAN in batches, never KEYS); how many went."""
    batch: list[str] = []
    removed = 0
    for key in r.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 500:
            removed += r.unlink(*batch)
            batch.clear()
    if batch:
        removed += r.unlink(*batch)
    return removed


def drop_caches(site: Site) -> int:
    """Drop the site's cached pages and API answers (`<prefix>:cache:*`, `<prefix>:gen:*`),
    e.g. after its database was restored; the Celery queues are kept."""
    with _server_errors(f"clear caches of {site.slug}"):
        r = _admin_redis()
        return sum(_unlink(r, f"{site.redis_prefix}:{kind}:*") for kind in ("cache", "gen"))


def _acl_save(r: redis.Redis) -> None:
    """Persist ACL users where the server has an ACL file (private and compose Redis)."""
    try:
        r.execute_command("ACL", "SAVE")
    except redis.ResponseError:
        pass  # no aclfile configured: users live until restart; re-run provision then


def _pg_dump(admin_url: str, dbname: str, dest: Path) -> None:
    if not shutil.which("pg_dump"):
        raise MortarError("pg_dump not found; install postgresql-client")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MortarError(f"cannot write the dump to {dest}: {exc.strerror}") from None
    conninfo = make_conninfo(admin_url, dbname=dbname)
    res = subprocess.run(
        ["pg_dump", "--format=custom", "--file", str(dest), "--dbname", conninfo],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        dest.unlink(missing_ok=True)
        msg = (res.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise MortarError(f"pg_dump failed: {msg}")
