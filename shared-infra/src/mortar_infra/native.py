"""The native shared stack: nginx as a user process, PostgreSQL and Redis.

PostgreSQL/Redis: the servers named by `MORTAR_POSTGRES_ADMIN_URL` /
`MORTAR_REDIS_ADMIN_URL` when set; else the machine's own on loopback
(127.0.0.1:5432 as `postgres`, 127.0.0.1:6379) when they answer; else (or with
`private=True`) private servers started from the system binaries under
`$MORTAR_HOME/postgres` and `$MORTAR_HOME/redis`. As root, PostgreSQL runs as
the `postgres` user; when that user cannot reach `$MORTAR_HOME` (root's `~` is
0700), the cluster lives in `/var/lib/mortar/postgres-<hash of $MORTAR_HOME>/`
instead, linked from `$MORTAR_HOME/postgres` (`MORTAR_POSTGRES_DIR` picks the folder).
What `up` started is recorded in `$MORTAR_HOME/infra.json`; `down` stops only that.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
from mortar_infra.polling import wait_until
from mortar_infra.probes import pg_ok, redis_ok

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- private PostgreSQL


def _pg_bin(tool: str, version: str | None = None) -> str:
    """`tool` from MORTAR_PG_BIN, else the newest /usr/lib/postgresql/<major>/bin (the cluster's
    own major version first when `version` is given)."""
    override = os.environ.get("MORTAR_PG_BIN")
    if override:
        dirs = [override]
    else:
        found = glob.glob("/usr/lib/postgresql/*/bin")
        major = {d: Path(d).parent.name for d in found}
        dirs = sorted(found, key=lambda d: (major[d] == version, _num(major[d])), reverse=True)
    for d in dirs:
        if Path(d, tool).exists():
            return str(Path(d, tool))
    where = override or "/usr/lib/postgresql/*/bin"
    raise MortarError(
        f"{tool} not found under {where} (install postgresql: bash scripts/install-system-deps, "
        "or set MORTAR_POSTGRES_ADMIN_URL to an existing server)"
    )


def _num(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def _as_pg_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: drop to the `postgres` system user then.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], what: str) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        msg = (res.stderr.strip() or res.stdout.strip() or "no output").splitlines()[-1]
        raise MortarError(f"{what} failed: {msg}")


# Where root's private clusters go when the postgres user cannot reach $MORTAR_HOME.
PG_FALLBACK_ROOT = Path("/var/lib/mortar")


def _pg_user_reaches(path: Path) -> bool:
    """Whether the `postgres` user can search `path` (and so every folder above it)."""
    probe = ["runuser", "-u", "postgres", "--", "test", "-x", str(path)]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _pg_base(state: dict[str, Any]) -> Path:
    """The private cluster's folder (data/, run/, postgres.log), chosen once and recorded.

    `MORTAR_POSTGRES_DIR` when set; else `$MORTAR_HOME/postgres`, except as root when the
    postgres user cannot reach `$MORTAR_HOME` (root's own `~/.mortar`): then
    `/var/lib/mortar/postgres-<hash of $MORTAR_HOME>`, linked from `$MORTAR_HOME/postgres`.
    """
    if state.get("base_dir"):
        return Path(state["base_dir"])
    if state.get("data_dir"):  # recorded before base_dir was
        return Path(state["data_dir"]).parent
    explicit = os.environ.get("MORTAR_POSTGRES_DIR")
    if explicit:
        return Path(explicit).expanduser().absolute()
    home = mortar_home().absolute()
    in_home = home / "postgres"
    if os.geteuid() != 0 or in_home.exists() or _pg_user_reaches(home):
        return in_home
    key = hashlib.sha256(str(home).encode()).hexdigest()[:12]
    base = PG_FALLBACK_ROOT / f"postgres-{key}"
    PG_FALLBACK_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
    base.mkdir(mode=0o700, exist_ok=True)
    in_home.symlink_to(base, target_is_directory=True)
    return base


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:  # absent, or not readable by us
        return None


def _need_pg_user() -> None:
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise MortarError(
            "private PostgreSQL runs as the postgres system user, which does not exist: "
            "install postgresql (bash scripts/install-system-deps) "
            "or set MORTAR_POSTGRES_ADMIN_URL"
        ) from None


def _prepare_pg_base(base: Path) -> None:
    """Create the folder; as root hand it to the postgres user, or fail with the fix."""
    (base / "run").mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return
    subprocess.run(["chown", "-R", "postgres:postgres", str(base)], check=True)
    if subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(base)]).returncode:
        raise MortarError(
            f"private PostgreSQL runs as user postgres, which cannot write {base}; "
            "set MORTAR_POSTGRES_DIR (or MORTAR_HOME) to a folder it can reach "
            "(e.g. under /var/lib), or set MORTAR_POSTGRES_ADMIN_URL"
        )


def _start_private_postgres(state: dict[str, Any]) -> dict[str, Any]:
    port = state.get("port") or _free_port()
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    if pg_ok(url)[0]:
        return {**state, "mode": "private", "url": url, "port": port}
    _pg_bin("pg_ctl")  # fail early, before making folders, when PostgreSQL is not installed
    _need_pg_user()
    mortar_home().mkdir(parents=True, exist_ok=True)
    base = _pg_base(state)
    data, run = base / "data", base / "run"
    version = _read(data / "PG_VERSION")
    initdb, pg_ctl = _pg_bin("initdb", version), _pg_bin("pg_ctl", version)
    _prepare_pg_base(base)
    if not (data / "PG_VERSION").exists():
        log.info(f"==> initdb {data}")
        _run(
            _as_pg_user([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            "initdb",
        )
    log.info(f"==> starting private PostgreSQL on 127.0.0.1:{port} (data in {data})")
    opts = f"-p {port} -k {run} -c listen_addresses=127.0.0.1"
    pg_log = str(base / "postgres.log")
    _run(
        _as_pg_user([pg_ctl, "-D", str(data), "-l", pg_log, "-o", opts, "-w", "-t", "60", "start"]),
        "pg_ctl start",
    )
    return {
        "mode": "private",
        "url": url,
        "port": port,
        "started": True,
        "base_dir": str(base),
        "data_dir": str(data),
    }


def _stop_private_postgres(state: dict[str, Any]) -> None:
    data = state.get("data_dir")
    if data and Path(data, "postmaster.pid").exists():
        log.info("==> stopping private PostgreSQL")
        pg_ctl = _pg_bin("pg_ctl", _read(Path(data, "PG_VERSION")))
        _run(_as_pg_user([pg_ctl, "-D", data, "-m", "fast", "-w", "stop"]), "pg_ctl stop")


# ---------------------------------------------------------------- private Redis


def _redis_server_bin() -> str:
    found = os.environ.get("MORTAR_REDIS_SERVER") or shutil.which("redis-server")
    if not found or not Path(found).exists():
        raise MortarError(
            "redis-server not found (install redis-server: bash scripts/install-system-deps, "
            "or set MORTAR_REDIS_ADMIN_URL to an existing server)"
        )
    return found


def _start_private_redis(state: dict[str, Any]) -> dict[str, Any]:
    base = mortar_home() / "redis"
    port = state.get("port") or _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    if redis_ok(url)[0]:
        return {**state, "mode": "private", "url": url, "port": port}
    server = _redis_server_bin()
    base.mkdir(parents=True, exist_ok=True)
    acl = base / "users.acl"
    acl.touch()
    log.info(f"==> starting private Redis on 127.0.0.1:{port}")
    _run(
        [
            server,
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
    if not wait_until(lambda: redis_ok(url)[0], 20, 0.1, "private Redis"):
        raise MortarError(f"private Redis did not answer on {port}; see {base / 'redis.log'}")
    return {
        "mode": "private",
        "url": url,
        "port": port,
        "started": True,
        "pid_file": str(base / "redis.pid"),
    }


def _stop_private_redis(state: dict[str, Any]) -> None:
    try:
        pid = int(Path(state.get("pid_file", "/nonexistent")).read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    log.info("==> stopping private Redis")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    wait_until(lambda: not _pid_alive(pid), 20, 0.05, "private Redis to stop")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# ---------------------------------------------------------------- up / down / status


def _choose(
    env_var: str,
    default_url: str,
    probe: Callable[[str], tuple[bool, str]],
    private: bool,
    prev: dict[str, Any],
) -> str | None:
    """The external URL to use, or None for a private server.

    Order: the env var (unless it names this home's own private server, as the exports of
    `python -m mortar_infra.servers` do); a private server this home already has; the
    machine's loopback server if it answers (unless `private`); else private.
    """
    url = os.environ.get(env_var)
    own = prev.get("mode") == "private"
    if url and not (own and url == prev.get("url")):
        ok, detail = probe(url)
        if not ok:
            raise MortarError(f"{env_var} does not answer: {detail}")
        return url
    if own or private:
        return None
    return default_url if probe(default_url)[0] else None


def servers_up(private: bool = False) -> dict[str, Any]:
    """PostgreSQL and Redis as `up` chooses them, private ones started when needed.

    Returns the recorded state; `infra.json` is written only when it changed.
    """
    state = read_json(infra_state_file())
    before = json.dumps(state, sort_keys=True)

    pg_prev = state.get("postgres", {})
    ext = _choose(
        "MORTAR_POSTGRES_ADMIN_URL",
        DEFAULT_POSTGRES_ADMIN_URL,
        pg_ok,
        private,
        pg_prev,
    )
    if ext:
        state["postgres"] = {"mode": "external", "url": ext, "started": False}
        log.info(f"==> PostgreSQL: using {ext}")
    else:
        state["postgres"] = _start_private_postgres(pg_prev)
        write_json(infra_state_file(), state)  # recorded before Redis can fail

    r_prev = state.get("redis", {})
    ext = _choose("MORTAR_REDIS_ADMIN_URL", DEFAULT_REDIS_ADMIN_URL, redis_ok, private, r_prev)
    if ext:
        state["redis"] = {"mode": "external", "url": ext, "started": False}
        log.info(f"==> Redis: using {ext}")
    else:
        state["redis"] = _start_private_redis(r_prev)
    changed = json.dumps(state, sort_keys=True) != before
    # Using only the machine's servers leaves no trace in a home that has none yet.
    if changed and (infra_state_file().exists() or "private" in _modes(state)):
        write_json(infra_state_file(), state)
    return state


def _modes(state: dict[str, Any]) -> set[str]:
    return {state.get(part, {}).get("mode", "external") for part in ("postgres", "redis")}


def up(private: bool = False) -> dict[str, Any]:
    """Bring the stack up (idempotent); returns the recorded state."""
    port = http_port()
    mortar_home().mkdir(parents=True, exist_ok=True)
    state = servers_up(private)

    log.info(f"==> nginx: config in {nginx.prefix()}, listening on 127.0.0.1:{port}")
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


def down() -> None:
    """Stop what `up` started: nginx and any private servers; external servers are left alone."""
    state = read_json(infra_state_file())
    if nginx.stop():
        log.info("==> nginx stopped")
    state.pop("nginx", None)
    if state.get("redis", {}).get("started"):
        _stop_private_redis(state["redis"])
        state["redis"]["started"] = False
    if state.get("postgres", {}).get("started"):
        _stop_private_postgres(state["postgres"])
        state["postgres"]["started"] = False
    if state:
        write_json(infra_state_file(), state)
