"""Run a site's four processes (api, web, worker, beat) in the background.

The commands come from the site's `Procfile` (one source with `honcho start`). Each
process runs in its own session (so stopping it takes its children: gunicorn and
celery workers), inside the site venv, with the site's `.env` loaded and the native
ports set. Logs and pid files live in the site's state dir:
`$MORTAR_HOME/sites/<slug>/logs/<proc>.log` and `.../run/<proc>.pid`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

from mortar_infra.config import MortarError
from mortar_infra.manifest import Site

ROLES = ("api", "web", "worker", "beat")
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


def start(site: Site, python: Path, env: dict[str, str]) -> dict[str, int]:
    """Start every role that is not already running; returns role -> pid."""
    procs = read_procfile(Path(site.site_dir))
    (site.state_dir / "run").mkdir(parents=True, exist_ok=True)
    (site.state_dir / "logs").mkdir(parents=True, exist_ok=True)
    # The venv's bin first so `python -m ...` in the Procfile is the site's python.
    full_env = {**os.environ, **env}
    full_env["PATH"] = f"{python.parent}{os.pathsep}{full_env.get('PATH', '')}"
    full_env["VIRTUAL_ENV"] = str(python.parent.parent)
    full_env.pop("PYTHONHOME", None)
    started: dict[str, int] = {}
    for role in ROLES:
        pid = running_pid(site, role)
        if pid:
            started[role] = pid
            continue
        with open(log_file(site, role), "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {role}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {procs[role]}"],
                cwd=site.site_dir,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _pid_file(site, role).write_text(f"{proc.pid}\n")
        started[role] = proc.pid
    return started


def stop(site: Site, timeout: float = 15.0) -> list[str]:
    """SIGTERM each role's process group, SIGKILL what is left after `timeout`."""
    pids = {role: pid for role, pid in status(site).items() if pid}
    for pid in pids.values():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_group_alive(p) for p in pids.values()):
        time.sleep(0.2)
    for pid in pids.values():
        if _group_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for role in ROLES:
        _pid_file(site, role).unlink(missing_ok=True)
    return sorted(pids)


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
