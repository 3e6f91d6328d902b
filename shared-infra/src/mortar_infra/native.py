"""The native shared stack: nginx as a user process, PostgreSQL and Redis.

PostgreSQL/Redis: the servers named by `MORTAR_POSTGRES_ADMIN_URL` /
`MORTAR_REDIS_ADMIN_URL` when set; else the machine's own on loopback
(127.0.0.1:5432 as `postgres`, 127.0.0.1:6379) when they answer; else (or with
`private=True`) private servers started from the system binaries under
`$MORTAR_HOME/postgres` and `$MORTAR_HOME/redis`.
What `up` started is recorded in `$MORTAR_HOME/infra.json`; `down` stops only that.
"""

from __future__ import annotations

import glob
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import redis

from mortar_infra import nginx
from mortar_infra.config import (
    DEFAULT_POSTGRES_ADMIN_URL,
    DEFAULT_REDIS_ADMIN_URL,
    MortarError,
    http_port,
    infra_state_file,
    mortar_home,
    read_json,
    write_atomic,
    write_json,
)
from mortar_infra.manifest import all_sites

Say = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _pg_ok(url: str) -> tuple[bool, str]:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return True, f"PostgreSQL {row[0] if row else '?'}"
    except psycopg.Error as exc:
        return False, (str(exc).strip().splitlines() or [repr(exc)])[0]


def _redis_ok(url: str) -> tuple[bool, str]:
    try:
        r = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        r.ping()
        return True, f"Redis {r.info('server').get('redis_version', '?')}"
    except redis.RedisError as exc:
        return False, str(exc) or repr(exc)


def _tcp_ok(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- private PostgreSQL


def _pg_bin(tool: str) -> str:
    override = os.environ.get("MORTAR_PG_BIN")
    dirs = [override] if override else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in dirs:
        if d and Path(d, tool).exists():
            return str(Path(d, tool))
    raise MortarError(
        f"{tool} not found under /usr/lib/postgresql/*/bin (install postgresql, "
        "or set MORTAR_POSTGRES_ADMIN_URL to an existing server)"
    )


def _as_pg_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: drop to the `postgres` system user then.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], what: str) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        msg = (res.stderr.strip() or res.stdout.strip() or "no output").splitlines()[-1]
        raise MortarError(f"{what} failed: {msg}")


def _start_private_postgres(state: dict[str, Any], say: Say) -> dict[str, Any]:
    base = mortar_home() / "postgres"
    data, run = base / "data", base / "run"
    port = state.get("port") or _free_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    if _pg_ok(url)[0]:
        return {**state, "mode": "private", "url": url, "port": port}
    run.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(base)], check=True)
        if subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(base)]).returncode:
            raise MortarError(
                f"private PostgreSQL runs as user postgres, which cannot write {base}; "
                "set MORTAR_HOME to a path it can reach (e.g. under /var/lib or /tmp) "
                "or set MORTAR_POSTGRES_ADMIN_URL"
            )
    if not (data / "PG_VERSION").exists():
        say(f"==> initdb {data}")
        _run(
            _as_pg_user(
                [_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            ),
            "initdb",
        )
    say(f"==> starting private PostgreSQL on 127.0.0.1:{port}")
    opts = f"-p {port} -k {run} -c listen_addresses=127.0.0.1"
    _run(
        _as_pg_user(
            [
                _pg_bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "postgres.log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        "pg_ctl start",
    )
    return {"mode": "private", "url": url, "port": port, "started": True, "data_dir": str(data)}


def _stop_private_postgres(state: dict[str, Any], say: Say) -> None:
    data = state.get("data_dir")
    if data and Path(data, "postmaster.pid").exists():
        say("==> stopping private PostgreSQL")
        _run(
            _as_pg_user([_pg_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]), "pg_ctl stop"
        )


# ---------------------------------------------------------------- private Redis


def _start_private_redis(state: dict[str, Any], say: Say) -> dict[str, Any]:
    base = mortar_home() / "redis"
    port = state.get("port") or _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    if _redis_ok(url)[0]:
        return {**state, "mode": "private", "url": url, "port": port}
    base.mkdir(parents=True, exist_ok=True)
    acl = base / "users.acl"
    acl.touch()
    say(f"==> starting private Redis on 127.0.0.1:{port}")
    _run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(base),
            "--daemonize",
            "yes",
            "--pidfile",
            str(base / "redis.pid"),
            "--logfile",
            str(base / "redis.log"),
            "--appendonly",
            "yes",
            "--aclfile",
            str(acl),
        ],
        "redis-server",
    )
    deadline = time.monotonic() + 20
    while not _redis_ok(url)[0]:
        if time.monotonic() > deadline:
            raise MortarError(f"private Redis did not answer on {port}; see {base / 'redis.log'}")
        time.sleep(0.1)
    return {
        "mode": "private",
        "url": url,
        "port": port,
        "started": True,
        "pid_file": str(base / "redis.pid"),
    }


def _stop_private_redis(state: dict[str, Any], say: Say) -> None:
    try:
        pid = int(Path(state.get("pid_file", "/nonexistent")).read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    say("==> stopping private Redis")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


# ---------------------------------------------------------------- up / down / status


def _choose(
    env_var: str,
    default_url: str,
    probe: Callable[[str], tuple[bool, str]],
    private: bool,
    prev_mode: str | None,
) -> str | None:
    """The external URL to use, or None for a private server.

    Order: the env var; a private server this home already has; the machine's
    loopback server if it answers (unless `private`); else private.
    """
    url = os.environ.get(env_var)
    if url:
        ok, detail = probe(url)
        if not ok:
            raise MortarError(f"{env_var} does not answer: {detail}")
        return url
    if prev_mode == "private" or private:
        return None
    return default_url if probe(default_url)[0] else None


def up(private: bool = False, say: Say = _quiet) -> dict[str, Any]:
    """Bring the stack up (idempotent); returns the recorded state."""
    state = read_json(infra_state_file())
    port = http_port()
    mortar_home().mkdir(parents=True, exist_ok=True)

    pg_prev = state.get("postgres", {})
    ext = _choose(
        "MORTAR_POSTGRES_ADMIN_URL",
        DEFAULT_POSTGRES_ADMIN_URL,
        _pg_ok,
        private,
        pg_prev.get("mode"),
    )
    if ext:
        state["postgres"] = {"mode": "external", "url": ext, "started": False}
        say(f"==> PostgreSQL: using {ext}")
    else:
        state["postgres"] = _start_private_postgres(pg_prev, say)
    write_json(infra_state_file(), state)

    r_prev = state.get("redis", {})
    ext = _choose(
        "MORTAR_REDIS_ADMIN_URL", DEFAULT_REDIS_ADMIN_URL, _redis_ok, private, r_prev.get("mode")
    )
    if ext:
        state["redis"] = {"mode": "external", "url": ext, "started": False}
        say(f"==> Redis: using {ext}")
    else:
        state["redis"] = _start_private_redis(r_prev, say)
    write_json(infra_state_file(), state)

    say(f"==> nginx: config in {nginx.prefix()}, listening on 127.0.0.1:{port}")
    with nginx.config_lock():
        nginx.ensure_layout(port)
        for site in all_sites():  # re-render registered vhosts (the port may have changed)
            if nginx.vhost_path(site.slug).exists():
                write_atomic(nginx.vhost_path(site.slug), nginx.render_vhost(site, "native", port))
        if nginx.running_pid():
            nginx.check_config()
            nginx.reload()
        else:
            nginx.start()
            state["nginx"] = {"started": True}
    state["http_port"] = port
    write_json(infra_state_file(), state)
    return state


def down(say: Say = _quiet) -> None:
    """Stop what `up` started: nginx and any private servers; external servers are left alone."""
    state = read_json(infra_state_file())
    if nginx.stop():
        say("==> nginx stopped")
    state.pop("nginx", None)
    if state.get("redis", {}).get("started"):
        _stop_private_redis(state["redis"], say)
        state["redis"]["started"] = False
    if state.get("postgres", {}).get("started"):
        _stop_private_postgres(state["postgres"], say)
        state["postgres"]["started"] = False
    if state:
        write_json(infra_state_file(), state)


def status() -> dict[str, Any]:
    """Each component, where it is, and whether it answers right now."""
    from mortar_infra.config import postgres_admin_url, redis_admin_url

    state = read_json(infra_state_file())
    port = state.get("http_port") or http_port()
    pid = nginx.running_pid()
    nginx_ok = bool(pid) and _tcp_ok(port)
    pg_url, r_url = postgres_admin_url(), redis_admin_url()
    pg_ok, pg_detail = _pg_ok(pg_url)
    r_ok, r_detail = _redis_ok(r_url)
    components = [
        {
            "name": "nginx",
            "mode": "native",
            "address": f"127.0.0.1:{port}",
            "ok": nginx_ok,
            "detail": f"pid {pid}" if pid else "not running",
        },
        {
            "name": "postgres",
            "mode": state.get("postgres", {}).get("mode", "external"),
            "address": _redact(pg_url),
            "ok": pg_ok,
            "detail": pg_detail,
        },
        {
            "name": "redis",
            "mode": state.get("redis", {}).get("mode", "external"),
            "address": _redact(r_url),
            "ok": r_ok,
            "detail": r_detail,
        },
    ]
    sites = [
        {
            "slug": s.slug,
            "domains": s.domains,
            "api_port": s.api_port,
            "web_port": s.web_port,
            "registered": nginx.vhost_path(s.slug).exists(),
        }
        for s in all_sites()
    ]
    return {
        "home": str(mortar_home()),
        "healthy": all(c["ok"] for c in components),
        "components": components,
        "sites": sites,
    }


def _redact(url: str) -> str:
    from mortar_infra.provision import _redact as redact

    return redact(url)
