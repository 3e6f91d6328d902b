"""Private PostgreSQL and Redis, started from the system binaries under `$MORTAR_HOME`.

For a machine whose own servers do not answer (or `mortar infra up --private`); `native`
decides when. Each server gets a free loopback port, chosen once and recorded by the
caller in `infra.json` (the `state` dicts here), and trust auth on loopback. As root,
PostgreSQL runs as the `postgres` user; when that user cannot reach `$MORTAR_HOME` (root's
`~` is 0700), the cluster lives in `/var/lib/mortar/postgres-<hash of $MORTAR_HOME>/`
instead, linked from `$MORTAR_HOME/postgres` (`MORTAR_POSTGRES_DIR` picks the folder).
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

from mortar_infra.config import MortarError, mortar_home
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


def start_postgres(state: dict[str, Any]) -> dict[str, Any]:
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


def stop_postgres(state: dict[str, Any]) -> None:
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


def start_redis(state: dict[str, Any]) -> dict[str, Any]:
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
    args = {
        "port": str(port), "bind": "127.0.0.1", "dir": str(base), "daemonize": "yes",
        "pidfile": str(base / "redis.pid"), "logfile": str(base / "redis.log"),
        "appendonly": "yes", "aclfile": str(acl),
    }  # fmt: skip
    _run([server, *(x for k, v in args.items() for x in (f"--{k}", v))], "redis-server")
    if not wait_until(lambda: redis_ok(url)[0], 20, 0.1, "private Redis"):
        raise MortarError(f"private Redis did not answer on {port}; see {base / 'redis.log'}")
    return {
        "mode": "private",
        "url": url,
        "port": port,
        "started": True,
        "pid_file": str(base / "redis.pid"),
    }


def stop_redis(state: dict[str, Any]) -> None:
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
