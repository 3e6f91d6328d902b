"""A native site's processes under supervisord, through the real CLI: a role killed with
SIGKILL comes back and serves within 10 s, `site down` leaves nothing running, `site logs`
shows the roles' logs. The site is a stand-in (the kit's python as its venv) running the
real gunicorn api and web, celery worker and beat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from infra_support import MORTAR, mortar, ok, standin_site
from mortar_infra import probes, procs
from mortar_infra.manifest import load_site
from mortar_infra.processenv import process_env

SLUG = "its_sup"
PROCFILE = """\
api: env HOST=127.0.0.1 PORT=$API_PORT MORTAR_WSGI_APP=mortar_api.wsgi:application GUNICORN_WORKERS=1 python -m mortar_api.run api --graceful-timeout 5
web: env DJANGO_SETTINGS_MODULE=mortar_web.settings python -m gunicorn mortar_web.wsgi:application --bind 127.0.0.1:$WEB_PORT --workers 1 --graceful-timeout 5
worker: env CELERY_CONCURRENCY=1 python -m mortar_api.run worker
beat: python -m mortar_api.run beat
"""  # noqa: E501


@pytest.fixture
def site(tmp_path: Path, cleanup_slugs: list[str], stack: int):
    cleanup_slugs.append(SLUG)
    site_dir = standin_site(tmp_path, SLUG, ["main.its.localhost"])
    (site_dir / "Procfile").write_text(PROCFILE)
    ok(mortar("site", "restart", str(site_dir)))  # starts what is not running: everything
    yield site_dir
    mortar("site", "down", str(site_dir))


def _status(slug: str = SLUG) -> dict:
    rows = json.loads(mortar("site", "status", "--json").stdout)
    return next(r for r in rows if r["slug"] == slug)


def _group_alive(pgid: int) -> bool:
    return bool(procs.group_members(pgid))


# what a role logs once it serves (gunicorn roles: their /health/ is checked instead)
READY = {"worker": "ready.", "beat": "beat: Starting..."}


def _ready_lines(site, role: str) -> int:
    if role not in READY:
        return 0
    return procs.log_file(site, role).read_text(errors="replace").count(READY[role])


def _wait(check, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.2)
    return True


def test_a_killed_role_comes_back_within_10s(site: Path) -> None:
    s = load_site(site)
    before = _status()
    assert before["state"] == "up", before
    supervisord = procs.supervisord_pid(s)
    assert supervisord
    for role in READY:  # celery roles have started (the first start is the slow one)
        assert _wait(lambda r=role: _ready_lines(s, r) == 1, 60), procs.log_tails(s, [role])
    for role in procs.ROLES:
        old = procs.status(s)[role]
        assert old
        os.kill(old, signal.SIGKILL)
        killed = time.monotonic()
        ready_before = _ready_lines(s, role) - (role not in READY)  # -1: no marker to wait for

        def back(old: int = old, role: str = role, ready: int = ready_before) -> bool:
            # a new process, what the killed one left (its workers) gone, both answering,
            # a celery role saying it is ready again
            pid = procs.status(s)[role]
            return bool(pid and pid != old and not _group_alive(old)) and (
                _ready_lines(s, role) > ready and all(probes.site_health(s).values())
            )

        assert _wait(back, 10), f"{role} not back after 10s{procs.log_tails(s, [role])}"
        print(f"{role}: back after {time.monotonic() - killed:.1f}s")
        row = _status()
        assert row["state"] == "up" and row["processes"][role] not in (None, old), row
        assert all(row["health"].values())
    assert procs.supervisord_pid(s) == supervisord  # the same supervisor all along
    # what the restarted roles recorded: `site up` does not call them stale
    assert procs.stale(s, process_env(s)) == {}


def test_down_leaves_no_process(site: Path) -> None:
    s = load_site(site)
    pids = procs.status(s)
    supervisord = procs.supervisord_pid(s)
    ok(mortar("site", "down", str(site)))
    for role, pid in pids.items():
        assert not _group_alive(pid), f"{role} (process group {pid}) still runs"
    assert procs.supervisord_pid(s) is None
    assert supervisord and not _group_alive(supervisord)
    assert _status()["state"] == "down"
    assert not procs.socket_path(s).exists()


def test_logs_show_each_role_and_follow(site: Path) -> None:
    out = ok(mortar("site", "logs", str(site), "-n", "50")).stdout
    for role in procs.ROLES:
        assert f"logs/{role}.log <==" in out
    assert "starting api" in out and "Listening at" in out
    one = ok(mortar("site", "logs", str(site), "web", "-n", "5")).stdout.splitlines()
    assert 0 < len(one) <= 5
    follow = subprocess.Popen(
        [MORTAR, "site", "logs", str(site), "api", "-f", "-n", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1)
        probes.http_get(f"http://127.0.0.1:{load_site(site).api_port}/health/?followed")
        assert "/health/?followed" in follow.stdout.readline()
    finally:
        follow.terminate()
        follow.wait(10)


def test_bad_role_and_bad_counts_are_clear_errors(site: Path) -> None:
    res = mortar("site", "logs", str(site), "nope")
    assert res.returncode == 2
    assert "unknown role(s) nope; roles: api, web, worker, beat" in res.stderr
    res = mortar("site", "logs", str(site), "-n", "-3")
    assert res.returncode == 2 and "-n must be 0 or more" in res.stderr
    res = mortar("site", "restart", str(site), "nope")
    assert res.returncode == 2 and "unknown role(s) nope" in res.stderr


def test_a_killed_supervisord_is_taken_over(site: Path) -> None:
    """Its roles run on unsupervised; the next `restart` (or `up`) ends them and starts them
    under a new supervisord, and `down` ends them too: one copy of each role, never two."""
    s = load_site(site)
    pids = procs.status(s)
    os.kill(procs.supervisord_pid(s), signal.SIGKILL)
    assert _wait(lambda: procs.supervisord_pid(s) is None, 5)
    assert all(_group_alive(pid) for pid in pids.values())  # still serving, unsupervised
    ok(mortar("site", "restart", str(site)))
    row = _status()
    assert row["state"] == "up", row
    for role, pid in pids.items():
        assert not _group_alive(pid), f"the old {role} still runs"
        assert row["processes"][role] not in (None, pid)

    again = procs.status(s)
    os.kill(procs.supervisord_pid(s), signal.SIGKILL)
    assert _wait(lambda: procs.supervisord_pid(s) is None, 5)
    out = ok(mortar("site", "down", str(site))).stdout + mortar("site", "status").stdout
    for role, pid in again.items():
        assert not _group_alive(pid), f"{role} still runs after `site down`: {out}"


EMBEDDED_SLUG = "its_supb"
EMBEDDED_PROCFILE = PROCFILE.replace(
    "worker: env CELERY_CONCURRENCY=1", "worker: env MORTAR_BEAT=embedded CELERY_CONCURRENCY=1"
).replace("beat: python -m mortar_api.run beat\n", "")


@pytest.fixture
def embedded_site(tmp_path: Path, cleanup_slugs: list[str], stack: int):
    cleanup_slugs.append(EMBEDDED_SLUG)
    site_dir = standin_site(tmp_path, EMBEDDED_SLUG, ["main.itsb.localhost"])
    (site_dir / "Procfile").write_text(EMBEDDED_PROCFILE)
    ok(mortar("site", "restart", str(site_dir)))
    yield site_dir
    mortar("site", "down", str(site_dir))


def test_beat_inside_the_worker_is_one_process_for_both_roles(embedded_site: Path) -> None:
    """No `beat:` line: status names the worker's process for beat, its log is the worker's,
    a killed worker comes back with beat inside it, and restarting beat restarts the worker."""
    s = load_site(embedded_site)
    worker_log = procs.log_file(s, "worker")
    started = lambda: worker_log.read_text(errors="replace").count(READY["beat"])  # noqa: E731
    assert _wait(lambda: started() == 1, 60), procs.log_tails(s, ["worker"])
    row = _status(EMBEDDED_SLUG)
    assert row["state"] == "up" and row["processes"]["beat"] == row["processes"]["worker"], row
    assert "[program:beat]" not in procs.conf_path(s).read_text()  # no second scheduler
    assert not procs.log_file(s, "beat").exists()
    out = ok(mortar("site", "logs", str(embedded_site), "beat", "-n", "200")).stdout
    assert READY["beat"] in out

    old = procs.status(s)["worker"]
    os.kill(old, signal.SIGKILL)  # beat is a thread of it: nothing of the old one lives on
    assert _wait(lambda: not _group_alive(old) and started() == 2, 30), procs.log_tails(
        s, ["worker"]
    )
    new = procs.status(s)
    assert new["beat"] == new["worker"] not in (None, old)
    assert procs.stale(s, process_env(s)) == {}

    out = ok(mortar("site", "restart", str(embedded_site), "beat")).stdout
    assert "==> beat: restarted" in out
    assert _wait(lambda: started() == 3, 60), procs.log_tails(s, ["worker"])
    after = procs.status(s)
    assert after["beat"] == after["worker"] not in (None, new["worker"])
    assert after["api"] == new["api"]
