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
import sys
import time
from pathlib import Path

from mortar_infra.procs import end_groups


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    cwd = os.path.realpath(spec["cwd"])
    try:
        previous = json.loads(Path(spec["record"]).read_text()).get("pid")
    except (OSError, ValueError):
        previous = None
    if previous and previous != os.getpid():
        ended = end_groups({spec["role"]: previous}, cwd, timeout=3.0)
        if ended:
            print(f"--- ended what the killed {spec['role']} (pid {previous}) left", flush=True)
    record = {"pid": os.getpid(), "loaded_at": time.time(), "env": spec["env_hash"]}
    Path(spec["record"]).write_text(json.dumps(record) + "\n")
    print(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {spec['role']}", flush=True)
    os.chdir(cwd)
    os.execve("/bin/sh", ["/bin/sh", "-c", f"exec {spec['command']}"], spec["env"])  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1])
