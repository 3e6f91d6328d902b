"""Run a site's four processes (api, web, worker, beat) in the background.

The commands come from the site's `Procfile` (one source with `honcho start`). Each
process runs in its own session (so stopping it takes its children: gunicorn and
celery workers), inside the site venv, with the site's `.env` loaded and the native
ports set. Logs and pid files live in the site's state dir:
`$MORTAR_HOME/sites/<slug>/logs/<proc>.log` and `.../run/<proc>.pid`; beside each pid
file, `<proc>.json` records when the process (re)loaded the site's code and a hash of the
environment it got, so `mortar site up` can tell a process that runs older code or an
older `.env` (`stale`), and `mortar site restart` (`restart`) can reload it gracefully.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from mortar_infra.config import MortarError
from mortar_infra.manifest import Site
from mortar_infra.polling import wait_until

log = logging.getLogger(__name__)
ROLES = ("api", "web", "worker", "beat")
# gunicorn masters: SIGHUP starts new workers with freshly imported code (no --preload)
# and retires the old ones gracefully, so requests are not dropped.
RELOADABLE = ("api", "web")
# How long a role may take to stop before SIGKILL: a Celery worker finishes its running
# tasks first (warm shutdown); acks_late re-queues whatever is killed after that.
STOP_TIMEOUT = {"worker": 60.0}
# Site files whose change a running process does not see until it restarts.
_CODE_SUFFIXES = {".py", ".html", ".txt", ".json", ".toml", ".cfg", ".po", ".mo"}
_SKIP_PARTS = {"__pycache__", "node_modules", "static", "staticfiles", "media", "tests"}
_LINE_RE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def read_procfile(site_dir: Path) -> dict[str, str]:
    path = site_dir / "Procfile"
    if not path.is_file():
        raise MortarError(f"{site_dir}: no Procfile")
    procs: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = _LINE_RE.match(line.strip())
        if m and not line.lstrip().startswith("#"):
            procs[m.group(1)] = m.group(2)
    missing = [r for r in ROLES if r not in procs]
    if missing:
        raise MortarError(f"{path}: missing process(es) {', '.join(missing)}")
    return procs


def _pid_file(site: Site, role: str) -> Path:
    return site.state_dir / "run" / f"{role}.pid"


def log_file(site: Site, role: str) -> Path:
    return site.state_dir / "logs" / f"{role}.log"


def log_tails(site: Site, roles: list[str], lines: int = 6) -> str:
    """The last lines of each role's log, for an error message that says why."""
    out = []
    for role in roles:
        path = log_file(site, role)
        tail = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
        out.append(f"\n--- {path} (last lines)\n" + "\n".join(tail))
    return "".join(out)


def _record_file(site: Site, role: str) -> Path:
    return site.state_dir / "run" / f"{role}.json"


def env_hash(env: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(env, sort_keys=True).encode()).hexdigest()[:16]


def _write_record(site: Site, role: str, pid: int, env: dict[str, str]) -> None:
    record = {"pid": pid, "loaded_at": time.time(), "env": env_hash(env)}
    _record_file(site, role).write_text(json.dumps(record) + "\n")


def _read_record(site: Site, role: str) -> dict:
    try:
        return json.loads(_record_file(site, role).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as dead.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def running_pid(site: Site, role: str) -> int | None:
    try:
        pid = int(_pid_file(site, role).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        return None
    # A pid file outliving a reboot may name someone else's process: ours run in the site dir.
    try:
        if os.readlink(f"/proc/{pid}/cwd") != str(Path(site.site_dir).resolve()):
            return None
    except OSError:
        pass  # not our process to inspect (other user): trust the pid file
    return pid


def status(site: Site) -> dict[str, int | None]:
    return {role: running_pid(site, role) for role in ROLES}


def start(
    site: Site, python: Path, env: dict[str, str], roles: Iterable[str] = ROLES
) -> dict[str, int]:
    """Start each of `roles` that is not already running; returns role -> pid."""
    procs = read_procfile(Path(site.site_dir))
    (site.state_dir / "run").mkdir(parents=True, exist_ok=True)
    (site.state_dir / "logs").mkdir(parents=True, exist_ok=True)
    # The venv's bin first so `python -m ...` in the Procfile is the site's python.
    full_env = {**os.environ, **env}
    full_env["PATH"] = f"{python.parent}{os.pathsep}{full_env.get('PATH', '')}"
    full_env["VIRTUAL_ENV"] = str(python.parent.parent)
    full_env.pop("PYTHONHOME", None)
    started: dict[str, int] = {}
    for role in roles:
        pid = running_pid(site, role)
        if pid:
            started[role] = pid
            continue
        with open(log_file(site, role), "ab") as out:
            out.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {role}\n".encode())
            out.flush()
            proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {procs[role]}"],
                cwd=site.site_dir,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _pid_file(site, role).write_text(f"{proc.pid}\n")
        _write_record(site, role, proc.pid, env)
        started[role] = proc.pid
        log.debug(f"{site.slug}: started {role} (pid {proc.pid}): {procs[role]}")
    return started


def stop(site: Site, timeout: float = 15.0, roles: Iterable[str] = ROLES) -> list[str]:
    """SIGTERM each role's process group, SIGKILL what is left after its timeout.

    A role's timeout is `timeout`, or longer where `STOP_TIMEOUT` says so (warm shutdown).
    """
    roles = list(roles)
    pids = {role: pid for role, pid in status(site).items() if pid and role in roles}
    for role, pid in pids.items():
        log.debug(f"{site.slug}: SIGTERM to {role} (process group {pid})")
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    started = time.monotonic()
    for role, pid in pids.items():  # one clock for all: they stop in parallel
        left = started + max(timeout, STOP_TIMEOUT.get(role, 0.0)) - time.monotonic()
        if not wait_until(lambda p=pid: not _group_alive(p), left, 0.2, f"{role} to stop"):
            log.debug(f"{site.slug}: {role} still runs after its timeout: SIGKILL")
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for role in roles:
        _pid_file(site, role).unlink(missing_ok=True)
        _record_file(site, role).unlink(missing_ok=True)
    return sorted(pids)


def children(pid: int) -> set[int]:
    """Live child processes of `pid` (a gunicorn master's workers)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(stat.parent.name))
    return out


def reload(site: Site, role: str, env: dict[str, str], timeout: float = 30.0) -> bool:
    """Gracefully reload a running gunicorn role (SIGHUP): new workers with the current
    code, old ones finish their requests. Returns False if no old worker left in time.

    The master keeps the environment it was started with, so a changed `.env` needs a
    full restart; `restart` decides.
    """
    pid = running_pid(site, role)
    if pid is None or role not in RELOADABLE:
        raise ValueError(f"{role} is not a running gunicorn role")
    old = children(pid)
    os.kill(pid, signal.SIGHUP)

    def replaced() -> bool:  # new workers, none of the old ones left
        now = children(pid)
        return bool(now) and not (old & now)

    if not wait_until(replaced, timeout, 0.1, f"{role} reload"):
        return False
    _write_record(site, role, pid, env)
    return True


def has_env(site: Site, role: str, env: dict[str, str]) -> bool:
    """Whether the running `role` is known to have been started with exactly `env`."""
    record = _read_record(site, role)
    return record.get("pid") == running_pid(site, role) and record.get("env") == env_hash(env)


def code_changed_at(site: Site, parts: Iterable[str] = ("api", "web")) -> tuple[float, str]:
    """(mtime, path) of the newest file of the site's code (its `parts`) or packages."""
    site_dir = Path(site.site_dir)
    newest: tuple[float, str] = (0.0, "")
    candidates = [site_dir / ".venv" / ".mortar-site"]  # the site venv was (re)installed
    for part in parts:
        for path in (site_dir / part).rglob("*"):
            rel = path.relative_to(site_dir)
            if path.suffix not in _CODE_SUFFIXES or _SKIP_PARTS & set(rel.parts):
                continue
            if not any(p.endswith(".egg-info") for p in rel.parts):  # pip's own bookkeeping
                candidates.append(path)
    for path in candidates:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if mtime > newest[0]:
            newest = (mtime, str(path.relative_to(site_dir)))
    return newest


def stale(site: Site, env: dict[str, str]) -> dict[str, str]:
    """Running roles that predate the site's current code or environment -> why (a phrase
    that follows the role's name)."""
    changed = {part: code_changed_at(site, [part]) for part in ("api", "web")}
    out: dict[str, str] = {}
    for role, pid in status(site).items():
        if pid is None:
            continue
        changed_at, changed_file = changed["web" if role == "web" else "api"]
        record = _read_record(site, role)
        if record.get("pid") != pid:
            out[role] = "was started by an older mortar (its code and environment are unknown)"
        elif record.get("env") != env_hash(env):
            out[role] = "runs since before the environment (.env) changed"
        elif changed_at > record.get("loaded_at", 0):
            out[role] = f"runs since before the code changed ({changed_file})"
    return out


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Only zombies left (reaped by init later) count as gone.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def group_memory_kib(pgid: int) -> dict[str, int]:
    """Resident memory of every process in the group `pgid`, in KiB.

    `rss` counts pages shared between a master and its forked workers once per process;
    `pss` divides shared pages among their users, so it sums to what the group costs.
    """
    total = {"rss": 0, "pss": 0, "processes": 0}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            for line in (proc / "smaps_rollup").read_text().splitlines():
                key = line.split(":")[0]
                if key in ("Rss", "Pss"):
                    total[key.lower()] += int(line.split()[1])
            total["processes"] += 1
        except (OSError, IndexError, ValueError):
            continue
    return total
