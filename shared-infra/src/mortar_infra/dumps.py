"""PostgreSQL dumps of a site's database or one tenant schema, restored without ever
exposing half a restore: into a new database that is swapped in by rename, or into a
scratch database where a schema is renamed before it is copied into the site's.

Everything runs as the shared server's admin (MORTAR_POSTGRES_ADMIN_URL); restored objects
are created as the site's own role (`pg_restore --role`), as if the site had made them.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from mortar_infra.config import MortarError, postgres_admin_url
from mortar_infra.manifest import Site
from mortar_infra.urls import redact

log = logging.getLogger(__name__)


def admin_conn(dbname: str = "postgres") -> psycopg.Connection:
    url = make_conninfo(postgres_admin_url(), dbname=dbname)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        first = (str(exc).strip().splitlines() or [repr(exc)])[0]
        raise MortarError(f"cannot reach PostgreSQL ({redact(url)}): {first}") from None


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise MortarError(f"{name} not found; install postgresql-client")
    return path


def _run(args: list[str], what: str) -> None:
    res = subprocess.run(args, capture_output=True, text=True)
    if res.returncode != 0:
        lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()] or ["unknown error"]
        raise MortarError(f"{what} failed: {redact(lines[-1])}")


def database_exists(dbname: str) -> bool:
    with admin_conn() as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        )


def has_tables(dbname: str) -> bool:
    """True when `dbname` holds any table outside the catalogs (a site that has data)."""
    with admin_conn(dbname) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' LIMIT 1"
        ).fetchone()
    return row is not None


def schema_exists(dbname: str, schema: str) -> bool:
    with admin_conn(dbname) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
        )


def dump(dbname: str, dest: Path, schema: str | None = None) -> None:
    """`pg_dump --format=custom` of a database, or of one schema with `schema`."""
    args = [_tool("pg_dump"), "--format=custom", "--file", str(dest)]
    args += ["--schema", schema] if schema else []
    _run([*args, "--dbname", make_conninfo(postgres_admin_url(), dbname=dbname)], "pg_dump")


def restore(dump_file: Path, dbname: str, role: str | None, jobs: int = 1) -> None:
    """`pg_restore` into an existing database, stopping at the first error; objects owned
    by `role` (None: by the admin, for scratch databases)."""
    args = [_tool("pg_restore"), "--exit-on-error", "--no-owner", "--no-privileges"]
    args += ["--role", role] if role else []
    args += ["--jobs", str(jobs)] if jobs > 1 else ["--single-transaction"]
    conninfo = make_conninfo(postgres_admin_url(), dbname=dbname)
    _run([*args, "--dbname", conninfo, str(dump_file)], "pg_restore")


def create_database(dbname: str, owner: str | None, template: str | None = None) -> None:
    """A new database owned by `owner`, private to it as `provision` makes them; with
    `template`, a copy of that database (no one may be connected to it: they are closed)."""
    with admin_conn() as conn:
        db = sql.Identifier(dbname)
        if owner:
            copy = (
                sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
                if template
                else sql.SQL("")
            )
            if template:
                _terminate(conn, template)
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'{}").format(
                    db, sql.Identifier(owner), copy
                )
            )
            # a copy does not inherit the database's privileges: the same as a new one
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
            conn.execute(
                sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                    db, sql.Identifier(owner)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(db))


def drop_database(dbname: str) -> None:
    with admin_conn() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )


def _terminate(conn: psycopg.Connection, *dbnames: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
        (list(dbnames),),
    )


def swap_databases(live: str, new: str) -> str | None:
    """Rename `new` to `live` in one transaction; the previous `live` (if any) is kept
    under a returned `<live>__old_<random>` name until `drop_database`. Open connections
    to either are closed first (the site is stopped; this catches stragglers)."""
    old = f"{live}__old_{secrets.token_hex(3)}" if database_exists(live) else None
    with admin_conn() as conn:
        _terminate(conn, live, new)
        with conn.transaction():
            if old:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(live), sql.Identifier(old)
                    )
                )
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(new), sql.Identifier(live)
                )
            )
    return old


def undo_swap(live: str, old: str) -> None:
    """Put the previous database back after a later step failed."""
    with admin_conn() as conn:
        _terminate(conn, live, old)
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(live)))
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(old), sql.Identifier(live)
            )
        )


@contextmanager
def scratch_database(site: Site) -> Iterator[str]:
    """A throwaway database (dropped on exit) named after the site."""
    name = f"{site.db_name}__scratch_{secrets.token_hex(3)}"
    create_database(name, None)
    try:
        yield name
    finally:
        drop_database(name)


def rename_schema(dbname: str, old: str, new: str) -> None:
    with admin_conn(dbname) as conn:
        conn.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
        )


def drop_schema(dbname: str, schema: str) -> None:
    with admin_conn(dbname) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def server_version() -> str:
    with admin_conn() as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0]).split()[0]
