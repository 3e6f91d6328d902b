"""Run a site's four processes (api, web, worker, beat) under supervisord.

The commands come from the site's `Procfile` (one source with `honcho start`). Each site
gets its own supervisord, started on demand and configured in its state dir
(`$MORTAR_HOME/sites/<slug>/supervisord.conf`, socket and pidfile in `run/`): it restarts a
role that dies (`kill -9`, out of memory) at once, rotates the roles' logs
(`logs/<role>.log`), and stops a role with its whole process group (gunicorn and celery
workers) by SIGTERM, SIGKILL after the role's timeout. Every role runs through
`mortar_infra.launch`, which records when it (re)loaded the site's code and a hash of
the environment it got (`run/<role>.json`), so `mortar site up` can tell a process that
runs older code or an older `.env` (`stale`), and `mortar site restart` (`restart`) can
reload it gracefully. Compose and Kubernetes runs have their own restart policies and
never come here.

A Procfile without a `beat:` line runs beat inside the worker (its worker line sets
`MORTAR_BEAT=embedded`): there is then no `beat` program, and the `beat` role names the
worker's process everywhere (status, restart, logs), so the site still has its four roles.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterable, Iterator
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

from mortar_infra.config import MortarError, UsageError
from mortar_infra.manifest import Site
from mortar_infra.polling import wait_until

log = logging.getLogger(__name__)
ROLES = ("api", "web", "worker", "beat")
# beat may run inside the worker (no `beat:` line): the role's process is the worker's
EMBEDDED_IN = {"beat": "worker"}
EMBEDDED_MARK = "MORTAR_BEAT=embedded"
# gunicorn masters: SIGHUP starts new workers with freshly imported code (no --preload)
# and retires the old ones gracefully, so requests are not dropped.
RELOADABLE = ("api", "web")
# How long a role may take to stop before SIGKILL: a Celery worker finishes its running
# tasks first (warm shutdown); acks_late re-queues whatever is killed after that.
STOP_TIMEOUT = {"worker": 60}
DEFAULT_STOP_TIMEOUT = 15
# Rotation of each role's log (and supervisord's own): 10 MB, 5 old files kept.
LOG_MAX_BYTES = "10MB"
LOG_BACKUPS = 5
# supervisord states in which a role has a process (BACKOFF: between two start attempts).
_UP_STATES = ("STARTING", "RUNNING")
_STOPPABLE = ("STARTING", "RUNNING", "BACKOFF")
# Site files whose change a running process does not see until it restarts.
_CODE_SUFFIXES = {".py", ".html", ".txt", ".json", ".toml", ".cfg", ".po", ".mo"}
_SKIP_PARTS = {"__pycache__", "node_modules", "static", "staticfiles", "media", "tests"}
_LINE_RE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
_SOCKET_MAX = 100  # a unix socket path is at most 107 bytes


def read_procfile(site_dir: Path) -> dict[str, str]:
    path = site_dir / "Procfile"
    if not path.is_file():
        raise MortarError(f"{site_dir}: no Procfile")
    procs: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = _LINE_RE.match(line.strip())
        if m and not line.lstrip().startswith("#"):
            procs[m.group(1)] = m.group(2)
    missing = [r for r in ROLES if r not in procs and r not in EMBEDDED_IN]
    if missing:
        raise MortarError(f"{path}: missing process(es) {', '.join(missing)}")
    for role, host in EMBEDDED_IN.items():
        embedded = EMBEDDED_MARK in procs.get(host, "")
        if role not in procs and not embedded:
            raise MortarError(
                f"{path}: no {role} process, and the {host} does not run it "
                f"(`{host}: env {EMBEDDED_MARK} ...`)"
            )
        if role in procs and embedded:  # two schedulers: never
            raise MortarError(
                f"{path}: the {host} runs {role} ({EMBEDDED_MARK}) and so does a `{role}:` "
                f"line; keep one of them"
            )
    return procs


def programs(site: Site) -> dict[str, str]:
    """role -> the supervisord program (the Procfile entry) that runs it: itself, or the
    worker for an embedded beat. Every role is its own program when the Procfile is gone."""
    try:
        procfile = read_procfile(Path(site.site_dir))
    except MortarError:  # no (valid) Procfile: `up` says why; status still answers
        procfile = dict.fromkeys(ROLES, "")
    return {r: r if r in procfile else EMBEDDED_IN[r] for r in ROLES}


def _programs_of(site: Site, roles: Iterable[str]) -> list[str]:
    hosts = programs(site)
    return list(dict.fromkeys(hosts[r] for r in roles))


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


def conf_path(site: Site) -> Path:
    return site.state_dir / "supervisord.conf"


def _pidfile(site: Site) -> Path:
    return site.state_dir / "run" / "supervisord.pid"


def socket_path(site: Site) -> Path:
    """supervisord's control socket: in the state dir, or a short path in the temp dir when
    the state dir's would be too long for a unix socket."""
    path = site.state_dir / "run" / "supervisor.sock"
    if len(str(path)) <= _SOCKET_MAX:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"mortar-{os.getuid()}-{digest}.sock"


def _spec_file(site: Site, role: str) -> Path:
    return site.state_dir / "run" / f"{role}.spec.json"


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
    # A zombie counts as dead.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def _server(site: Site) -> xmlrpc.client.ServerProxy:
    transport = SupervisorTransport(None, None, f"unix://{socket_path(site)}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)


def _infos(site: Site) -> dict[str, dict] | None:
    """role -> supervisord's process info; None when the site's supervisord does not answer."""
    if not socket_path(site).exists():
        return None
    try:
        infos = _server(site).supervisor.getAllProcessInfo()
    except (OSError, xmlrpc.client.Error):
        return None
    return {i["name"]: i for i in infos}


def supervisord_pid(site: Site) -> int | None:
    """The site's supervisord, if it runs."""
    try:
        pid = int(_pidfile(site).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def status(site: Site) -> dict[str, int | None]:
    """role -> pid of its process (None: not running, or between two start attempts)."""
    infos = _infos(site) or {}
    hosts = programs(site)
    out: dict[str, int | None] = {}
    for role in ROLES:
        info = infos.get(hosts[role], {})
        out[role] = info["pid"] if info.get("statename") in _UP_STATES and info["pid"] else None
    return out


def running_pid(site: Site, role: str) -> int | None:
    return status(site)[role]


def check_roles(roles: Iterable[str]) -> list[str]:
    """`roles` in the usual order (all of them when none are given); a `UsageError` naming
    the unknown ones."""
    roles = list(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UsageError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}")
    return [r for r in ROLES if r in roles] if roles else list(ROLES)


def _conf_text(site: Site) -> str:
    """supervisord.conf of the site: control socket, its own log, one program per role.

    `autostart=false`: roles start when `mortar site up`/`restart` asks, not when supervisord
    does. A role that dies after its first second is started again at once
    (`autorestart`); one that dies sooner is retried `startretries` times with a growing
    pause (1 s, 2 s, 3 s) before supervisord gives up on it (FATAL, shown as not running).
    """
    logs = site.state_dir / "logs"

    def q(path: Path | str) -> str:  # quoted for supervisord's shlex, `%` escaped
        return shlex.quote(str(path)).replace("%", "%%")

    lines = [
        "; written by `mortar site up`: edits are overwritten",
        "[unix_http_server]",
        f"file={q(socket_path(site))}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={q(logs / 'supervisord.log')}",
        f"logfile_maxbytes={LOG_MAX_BYTES}",
        f"logfile_backups={LOG_BACKUPS}",
        f"pidfile={q(_pidfile(site))}",
        f"childlogdir={q(logs)}",
        f"directory={q(site.site_dir)}",
        f"identifier=mortar-{site.slug}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{q(socket_path(site))}",
    ]
    for role in read_procfile(Path(site.site_dir)):
        if role not in ROLES:
            continue
        lines += [
            "",
            f"[program:{role}]",
            f"command={q(sys.executable)} -m mortar_infra.launch {q(_spec_file(site, role))}",
            f"directory={q(site.site_dir)}",
            "autostart=false",
            "autorestart=true",
            "startsecs=1",
            "startretries=3",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_TIMEOUT.get(role, DEFAULT_STOP_TIMEOUT)}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={q(log_file(site, role))}",
            f"stdout_logfile_maxbytes={LOG_MAX_BYTES}",
            f"stdout_logfile_backups={LOG_BACKUPS}",
        ]
    return "\n".join(lines) + "\n"


def _write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only (a spec holds the site's secrets)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    tmp.replace(path)


def _ensure_supervisord(site: Site) -> None:
    """Start the site's supervisord unless it answers already."""
    if _infos(site) is not None:
        return
    log.debug(f"{site.slug}: starting supervisord ({conf_path(site)})")
    proc = subprocess.run(  # it daemonizes: returns once the config is read
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf_path(site))],
        cwd=site.site_dir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 and not wait_until(lambda: _infos(site) is not None, 2.0, 0.1):
        raise MortarError(  # (unless a `site up` running at the same time started it)
            f"{site.slug}: supervisord did not start: {(proc.stderr or proc.stdout).strip()}"
        )
    if not wait_until(lambda: _infos(site) is not None, 15.0, 0.1, "supervisord to answer"):
        tail = log_tails(site, ["supervisord"]) if log_file(site, "supervisord").exists() else ""
        raise MortarError(f"{site.slug}: supervisord does not answer on {socket_path(site)}{tail}")


def start(
    site: Site, python: Path, env: dict[str, str], roles: Iterable[str] = ROLES
) -> dict[str, int]:
    """Start each of `roles` that is not already running; returns role -> pid.

    `env` is the site's process environment (`processenv.process_env`); the roles get it
    on top of this process's own, with the site venv's `bin` first on PATH.
    """
    procfile = read_procfile(Path(site.site_dir))
    asked, roles = list(roles), _programs_of(site, roles)
    (site.state_dir / "run").mkdir(parents=True, exist_ok=True)
    (site.state_dir / "logs").mkdir(parents=True, exist_ok=True)
    # The venv's bin first so `python -m ...` in the Procfile is the site's python.
    full_env = {**os.environ, **env}
    full_env["PATH"] = f"{python.parent}{os.pathsep}{full_env.get('PATH', '')}"
    full_env["VIRTUAL_ENV"] = str(python.parent.parent)
    full_env.pop("PYTHONHOME", None)
    for role in roles:  # read at each (re)start of the role, also supervisord's own restarts
        spec = {
            "role": role,
            "command": procfile[role],
            "cwd": site.site_dir,
            "env": full_env,
            "env_hash": env_hash(env),
            "record": str(_record_file(site, role)),
        }
        _write_private(_spec_file(site, role), json.dumps(spec))
    if _infos(site) is None:  # (a running supervisord keeps the config it read)
        _stop_unsupervised(site, ROLES)  # a new supervisord takes over every role
        conf_path(site).write_text(_conf_text(site))
    _ensure_supervisord(site)
    infos = _infos(site) or {}
    for role in roles:
        if infos.get(role, {}).get("statename") in _STOPPABLE:
            continue  # running, or supervisord is already starting it again
        try:
            _server(site).supervisor.startProcess(role, False)
        except xmlrpc.client.Fault as exc:
            raise MortarError(
                f"{site.slug}: supervisord could not start {role} ({exc.faultString})"
                f"{log_tails(site, [role])}"
            ) from None
        log.debug(f"{site.slug}: started {role}: {procfile[role]}")
    pids = status(site)
    return {role: pid for role in asked if (pid := pids[role])}


def stop(site: Site, roles: Iterable[str] = ROLES) -> list[str]:
    """Stop `roles` (in parallel: SIGTERM to each process group, SIGKILL after the role's
    timeout); supervisord itself exits once none of the site's roles runs. Returns the
    roles (programs: an embedded beat stops with its worker) that were running."""
    roles = _programs_of(site, roles)
    infos = _infos(site)
    if infos is None:
        return _stop_unsupervised(site, roles)
    stopped = set()
    server = _server(site)
    for role in roles:
        info = infos.get(role, {})
        if info.get("statename") not in _STOPPABLE:
            continue
        if info.get("pid"):
            stopped.add(role)
        log.debug(f"{site.slug}: stopping {role}")
        try:
            server.supervisor.stopProcess(role, False)
        except xmlrpc.client.Fault:
            pass  # stopped meanwhile

    def all_stopped() -> bool:
        now = _infos(site) or {}
        return not any(now.get(r, {}).get("statename") in (*_STOPPABLE, "STOPPING") for r in roles)

    longest = max(STOP_TIMEOUT.get(r, DEFAULT_STOP_TIMEOUT) for r in roles) if roles else 0
    wait_until(all_stopped, longest + 5.0, 0.2, f"{', '.join(roles)} to stop")
    for role in roles:
        _record_file(site, role).unlink(missing_ok=True)
    if not any(status(site).values()):
        _shutdown(site)
    return sorted(stopped)


def _shutdown(site: Site) -> None:
    """Stop the site's supervisord (no role runs any more) and wait until it is gone."""
    pid = supervisord_pid(site)
    try:
        _server(site).supervisor.shutdown()
    except (OSError, xmlrpc.client.Error):
        pass
    if pid and not wait_until(lambda: not _alive(pid), 15.0, 0.1, "supervisord to exit"):
        raise MortarError(f"{site.slug}: supervisord (pid {pid}) did not exit")
    for role in ROLES:
        _spec_file(site, role).unlink(missing_ok=True)


def _stop_unsupervised(site: Site, roles: Iterable[str]) -> list[str]:
    """Stop what runs of `roles` without a live supervisord: a site whose supervisord was
    killed (the roles' records name their processes, which run on), or one an older mortar
    started without supervisord (`run/<role>.pid`). The next `up`/`restart` then starts them
    under a new supervisord, and `down` leaves nothing running."""
    groups: dict[str, int] = {}
    for role in roles:
        for path in (site.state_dir / "run" / f"{role}.pid", _record_file(site, role)):
            try:
                text = path.read_text()
                groups[role] = int(json.loads(text)["pid"] if path.suffix == ".json" else text)
            except (FileNotFoundError, ValueError, KeyError, TypeError):
                continue
            path.unlink()
    stopped = end_groups(groups, str(Path(site.site_dir).resolve()))
    if stopped:
        log.info(f"==> {site.slug}: stopped {', '.join(stopped)} (they ran without supervisord)")
    return stopped


def leftovers(pgid: int, cwd: str) -> list[int]:
    """Live processes of the process group `pgid` that run in `cwd` (a site's folder): what
    a role left when its main process or its supervisord was killed. The folder check keeps
    a reused pid (after a reboot) from naming someone else's process."""
    out = []
    for pid in group_members(pgid):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == cwd:
                out.append(pid)
        except OSError:
            continue
    return out


def end_groups(groups: dict[str, int], cwd: str, timeout: float | None = None) -> list[str]:
    """SIGTERM what runs in `cwd` of each role's process group (role -> group id), in
    parallel; SIGKILL what is left after `timeout` (default: the role's stop timeout).
    Returns the roles that had processes."""
    found = {role: pgid for role, pgid in groups.items() if leftovers(pgid, cwd)}
    started = time.monotonic()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in found.values():
            for pid in leftovers(pgid, cwd):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        for role, pgid in found.items():
            limit = timeout if timeout is not None else STOP_TIMEOUT.get(role, DEFAULT_STOP_TIMEOUT)
            left = started + limit - time.monotonic() if sig == signal.SIGTERM else 5.0
            wait_until(lambda p=pgid: not leftovers(p, cwd), left, 0.1, f"{role} to stop")
    return sorted(found)


def _live_processes() -> Iterator[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every live (not zombie) process."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            yield int(stat.parent.name), int(fields[1]), int(fields[2])


def children(pid: int) -> set[int]:
    """Live child processes of `pid` (a gunicorn master's workers)."""
    return {p for p, parent, _ in _live_processes() if parent == pid}


def group_members(pgid: int) -> set[int]:
    """Live processes of the process group `pgid` (a role: its main process and workers)."""
    return {p for p, _, group in _live_processes() if group == pgid}


def reload(site: Site, role: str, env: dict[str, str], timeout: float = 30.0) -> bool:
    """Gracefully reload a running gunicorn role (SIGHUP through supervisord): new workers
    with the current code, old ones finish their requests. Returns False if no old worker
    left in time.

    The master keeps the environment it was started with, so a changed `.env` needs a
    full restart; `restart` decides.
    """
    pid = running_pid(site, role)
    if pid is None or role not in RELOADABLE:
        raise ValueError(f"{role} is not a running gunicorn role")
    old = children(pid)
    _server(site).supervisor.signalProcess(role, "HUP")

    def replaced() -> bool:  # new workers, none of the old ones left
        now = children(pid)
        return bool(now) and not (old & now)

    if not wait_until(replaced, timeout, 0.1, f"{role} reload"):
        return False
    _write_record(site, role, pid, env)
    return True


def tail_command(site: Site, roles: Iterable[str], lines: int, follow: bool) -> list[str]:
    """`tail` over the roles' logs (`-F`: follows them across supervisord's rotations); an
    embedded beat logs in the worker's log."""
    if lines < 0:
        raise UsageError(f"-n must be 0 or more, not {lines}")
    files = [log_file(site, p) for p in _programs_of(site, check_roles(roles))]
    missing = [str(f) for f in files if not f.exists()]
    if missing and not follow:
        raise UsageError(
            f"{site.slug} has no log yet ({', '.join(missing)}): "
            f"`mortar site up {site.site_dir}` starts it"
        )
    return ["tail", "-n", str(lines), *(["-F"] if follow else []), *map(str, files)]


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
    hosts = programs(site)
    for role, pid in status(site).items():
        if pid is None:
            continue
        if hosts[role] != role:  # an embedded beat: as stale as its worker (ROLES order)
            if hosts[role] in out:
                out[role] = f"{out[hosts[role]]} (it runs in the {hosts[role]})"
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
