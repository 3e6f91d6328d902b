"""A real Celery worker round trip under a site's Redis ACL user and key prefix."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import redis
from infra_support import REDIS_ADMIN, mortar, ok, write_site
from mortar_infra.envfile import read_env

APP = textwrap.dedent(
    """
    import os
    from celery import Celery

    url = os.environ["REDIS_URL"]
    prefix = os.environ["MORTAR_REDIS_PREFIX"] + ":"
    app = Celery("itcapp", broker=url, backend=url)
    app.conf.update(
        broker_transport_options={"global_keyprefix": prefix},
        result_backend_transport_options={"global_keyprefix": prefix},
        task_default_queue="itc_queue",
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task
    def add(x, y):
        return x + y
    """
)


@pytest.fixture
def worker(tmp_path: Path, cleanup_slugs: list[str]):
    cleanup_slugs.append("itc_celery")
    site = write_site(tmp_path, "itc_celery", ["celery.localhost"])
    ok(mortar("site", "provision", str(site)))
    env = read_env(site / ".env")
    (tmp_path / "itcapp.py").write_text(APP)
    admin = redis.Redis.from_url(REDIS_ADMIN)
    admin.execute_command("ACL", "LOG", "RESET")
    proc_env = {
        **os.environ,
        "REDIS_URL": env["REDIS_URL"],
        "MORTAR_REDIS_PREFIX": "itc_celery",
        "PYTHONPATH": str(tmp_path),
    }
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "itcapp",
            "worker",
            "-E",
            "--pool=solo",
            "--loglevel=INFO",
            "--hostname=itc@%h",
        ],
        cwd=tmp_path,
        env=proc_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    old = {k: os.environ.get(k) for k in ("REDIS_URL", "MORTAR_REDIS_PREFIX")}
    os.environ.update(REDIS_URL=env["REDIS_URL"], MORTAR_REDIS_PREFIX="itc_celery")
    sys.path.insert(0, str(tmp_path))
    try:
        yield proc, tmp_path / "worker.log", admin
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("itcapp", None)
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_celery_round_trip_under_site_acl(worker) -> None:
    proc, log, admin = worker
    import itcapp  # written by the fixture; configured from the site's REDIS_URL

    result = itcapp.add.delay(20, 22)
    assert result.get(timeout=60) == 42, log.read_text()[-3000:]

    # Remote control (pidbox fanout over PSUBSCRIBE) works too.
    deadline = time.monotonic() + 30
    replies = []
    while not replies and time.monotonic() < deadline:
        replies = itcapp.app.control.ping(timeout=2)
    assert replies and "pong" in str(replies), log.read_text()[-3000:]
    assert proc.poll() is None, log.read_text()[-3000:]

    denied = [
        e
        for e in admin.execute_command("ACL", "LOG")
        if b"site_itc_celery" in e or "site_itc_celery" in str(e)
    ]
    assert not denied, denied
    assert "NoPermission" not in log.read_text()
    # Everything Celery stored lives under the site prefix.
    assert admin.exists("itc_celery:_kombu.binding.itc_queue")
    assert not admin.exists("_kombu.binding.itc_queue")
    assert list(admin.scan_iter(match="itc_celery:celery-task-meta-*"))
    assert not list(admin.scan_iter(match="celery-task-meta-" + result.id))
    itcapp.app.close()
