"""A site with many tenants: create, migrate (nothing new / a real migration), serve, fan out.

Builds a scratch database on the local PostgreSQL (``mortar_bench_tenants_scale``; override
with BENCH_DATABASE_URL) with N tenants (default 1,000) created like `mortar tenant add`
does (a clone of the template schema plus the welcome content; no admin user, so password
hashing does not blur the figure), with the throwaway tenant app ``scale_probe``
(base-images/api/tests) at its first migration. Then prints:

* clone time per tenant: median of tenants 1-20 and of the last 20;
* "nothing new": ``migrate_tenants`` (median of 3 runs) vs django-tenants' own
  ``migrate_schemas --tenant --executor multiprocessing`` on the same database (1 run);
* a real migration for every tenant (``scale_probe`` 0002: one column with a default and
  an index) with ``migrate_tenants``' parallel runner;
* serving through gunicorn (2 sync workers each for api and web): p50/p95 of the api's
  ``/api/v1/site/``, ``/api/v1/home/`` (the home page) and ``/admin/login/`` (HTML), and
  of web's ``/`` (rendered through the api on every request: web's page cache is off) for
  the first and the last tenant, and the workers' RSS before and after every tenant was
  requested once;
* the "publish scheduled pages" fan-out: beat's one entry sends the task for every active
  tenant (batched), a celery worker (2 processes) runs them all; time to send and to finish.

Then stops gunicorn and the worker, drops the database, deletes its Redis keys and media.
Needs PostgreSQL and Redis running. 1,000 tenants take about 15-25 minutes on 2 cores.

    .venv/bin/python benchmarks/bench_tenants_scale.py [--tenants 1000] [--processes N]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import free_port, set_database, start_gunicorn, stop

KIT = Path(__file__).resolve().parents[1]
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mortar_bench_tenants_scale"
)
PREFIX = "benchscale"
SETTINGS = """
import os
from mortar_api.settings import *  # noqa: F403
from mortar_api.settings import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "scale_probe"]
INSTALLED_APPS = [*INSTALLED_APPS, "scale_probe"]
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ["BENCH_PROCESSES"])
if os.environ.get("MORTAR_SCALE_PROBE_STAGE") == "1":
    MIGRATION_MODULES = {"scale_probe": "scale_probe.stage1"}
"""


def host(i: int) -> str:
    return f"t{i:04d}.scale.localhost"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def env_for(stage: int) -> dict[str, str]:
    env = dict(os.environ)
    env["MORTAR_SCALE_PROBE_STAGE"] = str(stage)
    return env


def manage(stage: int, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mortar_api.manage", *args],
        env=env_for(stage),
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, proc


def last_line(text: str, pattern: str) -> str:
    lines = [ln for ln in text.splitlines() if re.search(pattern, ln)]
    return lines[-1].strip() if lines else "(no such line)"


def get(port: int, hostname: str, path: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": hostname, "Accept-Language": "en"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, time.perf_counter() - t0


def timed_requests(
    port: int, hostname: str, path: str, count: int, threads: int = 2
) -> list[float]:
    lat: list[float] = []
    lock = threading.Lock()
    left = [count]

    def worker() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            status, elapsed = get(port, hostname, path)
            if status != 200:
                raise SystemExit(f"{hostname}{path}: HTTP {status}")
            with lock:
                lat.append(elapsed)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return sorted(out)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_http(
    port: int, hostname: str, proc: subprocess.Popen, path: str, log: Path, timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status = get(port, hostname, path)[0]
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    why = "exited" if proc.poll() is not None else f"did not answer 200 in {timeout:.0f}s"
    tail = log.read_text(errors="replace")[-3000:]
    raise SystemExit(f"gunicorn for {hostname}{path} {why} (last status {status}):\n{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--requests", type=int, default=200, help="per tenant and path")
    parser.add_argument(
        "--skip-django-tenants", action="store_true", help="skip the slow migrate_schemas run"
    )
    args = parser.parse_args()
    n = args.tenants
    work = Path(tempfile.mkdtemp(prefix="mortar-bench-scale-"))
    (work / "bench_scale_settings.py").write_text(SETTINGS)
    (work / "media").mkdir()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench_scale_settings",
            "PYTHONPATH": os.pathsep.join(
                [str(work), str(KIT / "base-images/api/tests"), os.environ.get("PYTHONPATH", "")]
            ),
            "DATABASE_URL": DB_URL,
            "SECRET_KEY": "bench-" + "s" * 60,
            "MORTAR_REDIS_PREFIX": PREFIX,
            "MORTAR_LANGUAGES": "en,ar",
            "MORTAR_HTTPS": "false",
            "MEDIA_ROOT": str(work / "media"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_CONN_MAX_AGE": "60",
            "MORTAR_SCALE_PROBE_STAGE": "1",
            "BENCH_PROCESSES": str(args.processes),
        }
    )
    sys.path[:0] = [str(work), str(KIT / "base-images/api/tests")]
    set_database(DB_URL, create=True)
    gunicorn = web = worker = None
    print(
        f"{n} tenants, {args.processes} migration processes, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    try:
        import django

        django.setup()
        import redis
        from django.conf import settings
        from django.db import connections
        from mortar_api.tenancy.provisioning import create_tenant

        rds = redis.Redis.from_url(settings.REDIS_URL)
        for key in rds.scan_iter(f"{PREFIX}:*", count=1000):
            rds.delete(key)
        secs, proc = manage(1, "migrate_tenants", "-v0")
        if proc.returncode:
            raise SystemExit(proc.stdout + proc.stderr)
        print(f"public schema and template migrated in {secs:.1f}s", flush=True)

        # --- creating tenants (cloned from the template, welcome content) -------------------
        created: list[float] = []
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            create_tenant(f"t{i:04d}", [host(i)], name=f"Tenant {i}")
            created.append(time.perf_counter() - t0)
            if (i + 1) % 100 == 0:
                print(f"  created {i + 1}/{n} ({time.perf_counter() - started:.0f}s)", flush=True)
        first, last = created[:20], created[-20:]
        print(
            "create (clone + welcome): median tenants 1-20 "
            f"{statistics.median(first) * 1000:.0f} ms, tenants {n - len(last) + 1}-{n} "
            f"{statistics.median(last) * 1000:.0f} ms",
            flush=True,
        )
        connections.close_all()

        # --- nothing new to migrate ---------------------------------------------------------
        noop = []
        for _ in range(3):
            secs, proc = manage(1, "migrate_tenants", "--processes", str(args.processes))
            if proc.returncode:
                raise SystemExit(proc.stdout + proc.stderr)
            noop.append(secs)
        print(
            f"nothing new: migrate_tenants {statistics.median(noop):.2f}s "
            f"(median of 3, whole command incl. Django start-up; "
            f"{last_line(proc.stdout, 'tenant migrations')})",
            flush=True,
        )
        if not args.skip_django_tenants:
            secs, proc = manage(
                1, "migrate_schemas", "--tenant", "--executor", "multiprocessing", "-v0"
            )
            if proc.returncode:
                raise SystemExit(proc.stdout + proc.stderr)
            print(
                f"nothing new: django-tenants migrate_schemas --tenant --executor "
                f"multiprocessing ({args.processes} processes) {secs:.1f}s "
                f"(x{secs / statistics.median(noop):.0f})",
                flush=True,
            )

        # --- a real migration for every tenant ----------------------------------------------
        secs, proc = manage(2, "migrate_tenants", "--processes", str(args.processes))
        if proc.returncode:
            raise SystemExit(proc.stdout + proc.stderr[-3000:])
        print(
            f"real migration (scale_probe 0002: a column with a default + an index): {secs:.1f}s "
            f"for {n + 1} schemas ({last_line(proc.stdout, 'tenant migrations')}; "
            f"last progress line: {last_line(proc.stderr, 'migrating:')})",
            flush=True,
        )

        # --- serving: the api, and web rendering through it (web's page cache off) ---------
        port, web_port = free_port(), free_port()
        gunicorn = start_gunicorn("mortar_api.wsgi", port, env_for(2), work / "gunicorn.log")
        wait_http(port, host(0), gunicorn, "/api/v1/site/", work / "gunicorn.log")
        web_env = {
            **env_for(2),
            "DJANGO_SETTINGS_MODULE": "mortar_web.settings",
            "MORTAR_API_URL": f"http://127.0.0.1:{port}",
            "MORTAR_WEB_CACHE_TTL": "0",
        }
        web = start_gunicorn("mortar_web.wsgi", web_port, web_env, work / "web.log")
        wait_http(web_port, host(0), web, "/", work / "web.log")
        targets = [(port, p) for p in ("/api/v1/site/", "/api/v1/home/", "/admin/login/")]
        targets.append((web_port, "/"))
        for h in (host(0), host(n - 1)):  # warm both workers' code paths and caches
            for target_port, path in targets:
                timed_requests(target_port, h, path, 20)
        workers = {"api": children(gunicorn.pid), "web": children(web.pid)}
        rss_before = {pid: rss_mb(pid) for pids in workers.values() for pid in pids}
        lat: dict[tuple[str, int, str], list[float]] = {}
        rounds = 4
        for _ in range(rounds):  # interleaved, so drift on a shared machine hits both alike
            for h in (host(0), host(n - 1)):
                for target_port, path in targets:
                    lat.setdefault((h, target_port, path), []).extend(
                        timed_requests(target_port, h, path, args.requests // rounds)
                    )
        for target_port, path in targets:
            a, b = lat[(host(0), target_port, path)], lat[(host(n - 1), target_port, path)]
            name = ("web " if target_port == web_port else "api ") + path
            print(
                f"serve {name:19s} tenant 1: p50 {statistics.median(a) * 1000:6.2f} ms "
                f"p95 {pct(a, 0.95) * 1000:6.2f} ms | tenant {n}: p50 "
                f"{statistics.median(b) * 1000:6.2f} ms p95 {pct(b, 0.95) * 1000:6.2f} ms "
                f"({(pct(b, 0.95) / pct(a, 0.95) - 1) * 100:+.0f}%)",
                flush=True,
            )
        started = time.perf_counter()
        for i in range(n):
            for target_port, path in targets:
                status, _ = get(target_port, host(i), path)
                if status != 200:
                    raise SystemExit(f"{host(i)}{path}: HTTP {status}")
        every = time.perf_counter() - started
        for service, pids in workers.items():
            pids = [p for p in pids if Path(f"/proc/{p}").exists()]
            after = {p: rss_mb(p) for p in pids}
            print(
                f"{service} worker RSS: before {' '.join(f'{rss_before[p]:.0f}' for p in pids)} MB,"
                f" after every tenant requested once ({len(targets)} paths each, {every:.0f}s) "
                f"{' '.join(f'{after[p]:.0f}' for p in pids)} MB: growth "
                f"{' '.join(f'{after[p] - rss_before[p]:+.1f}' for p in pids)} MB",
                flush=True,
            )
        stop(web)
        stop(gunicorn)

        # --- the publish-scheduled-pages fan-out --------------------------------------------
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mortar_api.celery",
                "worker",
                "--concurrency",
                "2",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=WARNING",
                "-n",
                "benchscale@localhost",
            ],
            env=env_for(2),
            stdout=(work / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        from celery import current_app
        from mortar_api.tenancy import tasks

        current_app.send_task("mortar_api.tenancy.tasks.whoami").get(timeout=120)
        meta = f"{PREFIX}:celery-task-meta-*"

        def results() -> int:
            return sum(1 for _ in rds.scan_iter(meta, count=5000))

        for key in rds.scan_iter(meta, count=5000):
            rds.delete(key)
        t0 = time.perf_counter()
        count = tasks.run_for_each_tenant("mortar_api.cms.tasks.publish_scheduled_pages", {})
        sent = time.perf_counter() - t0
        batches = -(-count // tasks.FAN_OUT_BATCH) if count > tasks.FAN_OUT_BATCH else 0
        deadline = time.monotonic() + 1800
        while results() < count + batches and time.monotonic() < deadline:
            time.sleep(0.5)
        finished = time.perf_counter() - t0
        print(
            f"fan-out 'publish scheduled pages' for {count} active tenants: beat's entry sent "
            f"it in {sent * 1000:.0f} ms ({batches} batch tasks), all {results() - batches} "
            f"tenant runs done after {finished:.1f}s (1 worker, 2 processes)",
            flush=True,
        )
    finally:
        stop(web)
        stop(gunicorn)
        stop(worker)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not have started
            pass
        set_database(DB_URL, create=False)
        import redis

        rds = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        for key in rds.scan_iter(f"{PREFIX}:*", count=1000):
            rds.delete(key)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
