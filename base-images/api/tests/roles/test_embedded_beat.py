"""`MORTAR_BEAT=embedded`: the worker role runs the site's beat as a thread of its own
process (a real worker, Redis and DatabaseScheduler): a beat-scheduled task runs exactly
once, no child process is left to outlive the worker. (A separate beat beside it is refused:
test_roles.py.)"""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import subprocess_env
from django.core.cache import cache
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask
from django_tenants.utils import schema_context

pytestmark = pytest.mark.worker


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def test_embedded_beat_runs_a_scheduled_task_exactly_once(committed_db, tmp_path):
    token, queue = uuid.uuid4().hex, f"beat-{uuid.uuid4().hex[:6]}"
    key = f"beat_probe:{token}"
    with schema_context("public"):
        clocked = ClockedSchedule.objects.create(
            clocked_time=timezone.now() + datetime.timedelta(seconds=5)
        )
        task = PeriodicTask.objects.create(
            name=f"probe-{token}",
            task="beat_probe.count",
            kwargs=json.dumps({"key": key}),
            clocked=clocked,
            one_off=True,
            queue=queue,
        )
    log = tmp_path / "worker.log"
    env = subprocess_env(MORTAR_BEAT="embedded", MORTAR_CELERY_POOL="threads")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mortar_api.run", "worker", "-I", "roles.beat_probe", "-Q", queue,
         "-n", f"beat-{token[:6]}@apitest", "--without-mingle", "--without-gossip"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        with schema_context("public"):
            while cache.get(key) is None:
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                time.sleep(0.5)
            time.sleep(12)  # two more scheduler ticks: a second scheduler would have sent it too
            assert cache.get(key) == 1
        output = log.read_text(errors="replace")
        assert "beat: Starting..." in output and "--embedded-beat" not in output
        # beat is a thread: no child process that could outlive a worker killed with SIGKILL
        assert _children(proc.pid) == []
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with schema_context("public"):
            task.delete()
            clocked.delete()
            cache.delete(key)
