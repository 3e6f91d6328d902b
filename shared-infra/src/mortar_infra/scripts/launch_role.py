"""Start one role of a site under its supervisord: `python launch_role.py <spec.json>`.

The spec (written by `mortar_infra.procs.start`, mode 600) holds the role's Procfile
command, its working directory and its whole environment. Before handing over, this

- ends what the role's previous process left behind: when supervisord restarts a role
  whose main process was killed (`kill -9`, out of memory), that process's gunicorn or
  celery workers live on as orphans in its process group, holding the port (a new gunicorn
  could not bind it) and running old code;
- records its pid, the time and the environment's hash (`run/<role>.json`), so mortar can
  tell a process that predates the site's current code or `.env`.

`exec` keeps the pid, so supervisord signals the real process (the gunicorn master, the
celery worker). Standard library only: it runs before the role has anything else.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path


def group_members(pgid: int, cwd: str) -> list[int]:
    """Live processes of the process group `pgid` that run in `cwd` (the site's)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            if os.readlink(stat.parent / "cwd") == cwd:  # pids are reused: only the site's
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def end_leftovers(pgid: int, cwd: str, grace: float = 3.0) -> None:
    """SIGTERM the group's leftovers, SIGKILL what still runs after `grace` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = group_members(pgid, cwd)
        if not left:
            return
        print(f"--- ending {len(left)} process(es) left by pid {pgid} ({sig.name})", flush=True)
        for pid in left:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        end = time.monotonic() + grace
        while group_members(pgid, cwd) and time.monotonic() < end:
            time.sleep(0.1)


spec = json.loads(Path(sys.argv[1]).read_text())
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
