"""Start one role of a site under its supervisord: `python -m mortar_infra.launch <spec.json>`.

The spec (written by `mortar_infra.procs.start`, mode 600) holds the role's Procfile
command, its working directory and its whole environment. Before handing over, this

- ends what the role's previous process left behind: when supervisord restarts a role
  whose main process was killed (`kill -9`, out of memory), that process's gunicorn or
  celery workers live on as orphans in its process group, holding the port (a new gunicorn
  could not bind it) and running old code;
- records its pid, the time and the environment's hash (`run/<role>.json`), so mortar can
  tell a process that predates the site's current code or `.env`.

`exec` keeps the pid, so supervisord signals the real process (the gunicorn master, the
celery worker). It runs with mortar's own python (supervisord's), not the site's.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

from mortar_infra.procs import group_members


def leftovers(pgid: int, cwd: str) -> list[int]:
    """Live processes of the process group `pgid` that run in `cwd` (pids are reused)."""
    out = []
    for pid in group_members(pgid):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == cwd:
                out.append(pid)
        except OSError:
            continue
    return out


def end_leftovers(pgid: int, cwd: str, grace: float = 3.0) -> None:
    """SIGTERM the group's leftovers, SIGKILL what still runs after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = leftovers(pgid, cwd)
        if not left:
            return
        print(f"--- ending {len(left)} process(es) left by pid {pgid} ({sig.name})", flush=True)
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + grace
        while leftovers(pgid, cwd) and time.monotonic() < end:
            time.sleep(0.1)


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    cwd = os.path.realpath(spec["cwd"])
    try:
        previous = json.loads(Path(spec["record"]).read_text()).get("pid")
    except (OSError, ValueError):
        previous = None
    if previous and previous != os.getpid():
        end_leftovers(previous, cwd)
    record = {"pid": os.getpid(), "loaded_at": time.time(), "env": spec["env_hash"]}
    Path(spec["record"]).write_text(json.dumps(record) + "\n")
    print(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {spec['role']}", flush=True)
    os.chdir(cwd)
    os.execve("/bin/sh", ["/bin/sh", "-c", f"exec {spec['command']}"], spec["env"])  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1])
