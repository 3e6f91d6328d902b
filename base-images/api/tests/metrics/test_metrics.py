"""Prometheus metrics of the api and worker roles (mortar_contract.metrics, docs/metrics.md).

A real `python -m mortar_api.run api` (gunicorn, 2 workers) with a metrics port serves the
sum over its workers - including workers killed and replaced mid-run - on that port only;
a real `python -m mortar_api.run worker` (prefork pool, 2 processes) counts tasks by state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import (
    Worker,
    domain_of,
    free_port,
    http_get,
    start_api_server,
    stop_process,
    stop_worker,
    subprocess_env,
    wait_for_worker,
)
from django_tenants.utils import schema_context
from mortar_contract.metrics import (
    METRIC_NAMES,
    MetricsConfigError,
    TenantLabels,
    port_for,
    prepare,
    tenant_cap,
)
from promscrape import missing_names, scrape, value


def workers_of(pid: int) -> set[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in children}


def wait_for_workers(master: int, count: int, not_in: set[int]) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = workers_of(master)
        if len(pids) == count and not pids & not_in:
            return pids
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not replace its workers: {workers_of(master)}")


def test_api_metrics_sum_all_workers_by_status_and_capped_tenant(
    committed_db, tenant_a, tenant_b, tmp_path
):
    from mortar_api.tenancy.models import Tenant

    metrics_port = free_port()
    proc, port = start_api_server(
        tmp_path,
        GUNICORN_WORKERS="2",
        MORTAR_API_METRICS_PORT=str(metrics_port),
        MORTAR_METRICS_TENANT_CAP="1",
        MORTAR_METRICS_DIR=str(tmp_path / "prom"),
    )
    site_a, site_b = domain_of(tenant_a), domain_of(tenant_b)
    first = sorted(Tenant.objects.sites().values_list("schema_name", flat=True))[0]

    def burst(host: str, path: str, n: int) -> list[int]:
        with ThreadPoolExecutor(4) as pool:  # concurrent: both sync workers take requests
            return list(pool.map(lambda _: http_get(port, path, host)[0], range(n)))

    try:
        assert burst(site_a, "/api/v1/site/", 12) == [200] * 12
        # every worker dies; gunicorn starts new ones; the dead ones' counts must stay
        old = workers_of(proc.pid)
        assert len(old) == 2
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        wait_for_workers(proc.pid, 2, not_in=old)
        assert burst(site_a, "/api/v1/site/", 8) == [200] * 8
        assert burst(site_b, "/api/v1/site/", 5) == [200] * 5
        assert burst(site_a, "/api/v1/pages/no-such-page/", 3) == [404] * 3
        # the public port has no /metrics (and the shared vhost refuses it: tests/infra)
        assert http_get(port, "/metrics", site_a)[0] == 404
        samples = scrape(metrics_port)
        files = {p.name for p in (tmp_path / "prom").glob("*/*.db")}
    finally:
        stop_process(proc)
    assert len({f.rsplit("_", 1)[1] for f in files}) >= 3, files  # >= 3 worker pids wrote
    assert not list((tmp_path / "prom").glob("*/*.db"))  # the master removed its files

    ok_a = value(
        samples, "mortar_http_requests_total", role="api", status="200", tenant=tenant_a.schema_name
    )
    ok_b = value(
        samples, "mortar_http_requests_total", role="api", status="200", tenant=tenant_b.schema_name
    )
    other = value(samples, "mortar_http_requests_total", role="api", status="200", tenant="other")
    # cap 1: the first schema by name keeps its label, every other tenant is "other"
    if first == tenant_a.schema_name:
        assert (ok_a, ok_b, other) == (20, 0, 5)
    else:
        assert (ok_a, ok_b) == (0, 5 if first == tenant_b.schema_name else 0)
        assert other == 25 - ok_b
    tenants = {dict(ls).get("tenant") for (n, ls) in samples if n == "mortar_http_requests_total"}
    assert tenants <= {first, "other", "none"}
    # the 3 missing pages and the /metrics probe of the public port
    assert value(samples, "mortar_http_requests_total", role="api", status="404") == 4
    assert value(samples, "mortar_http_request_duration_seconds_count", status="200") >= 25
    assert (
        value(samples, "mortar_http_request_duration_seconds_bucket", status="404", le="+Inf") == 4
    )
    # django-prometheus' own middleware counters, summed the same way; the api's early cache
    # hits answer before its after-middleware, so it counts only the full stack's answers
    django_ok = value(samples, "django_http_responses_total_by_status_total", status="200")
    assert (
        1 <= django_ok <= value(samples, "mortar_http_request_duration_seconds_count", status="200")
    )
    # every name but the worker's is in this scrape
    assert missing_names(samples) == [n for n in METRIC_NAMES if n.startswith("mortar_celery")]
    # the public caches: the first request per generation misses, repeats hit - at the early
    # path (before the tenant is known) or, past it, in the views' response cache
    hits = misses = 0.0
    for name in ("early", "response"):
        hits += value(samples, "mortar_cache_requests_total", cache=name, result="hit")
        misses += value(samples, "mortar_cache_requests_total", cache=name, result="miss")
    # (bursts of 4 concurrent requests: a few of each burst may miss together)
    assert hits + misses >= 28 and hits >= 10


def test_api_without_a_metrics_port_serves_none(committed_db, tmp_path):
    proc, port = start_api_server(tmp_path, MORTAR_API_METRICS_PORT="", MORTAR_METRICS_PORT="")
    try:
        files = list(Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0"))
        assert not any(f.startswith(b"PROMETHEUS_MULTIPROC_DIR=") for f in files)
        assert http_get(port, "/health/", "127.0.0.1")[0] == 200
    finally:
        stop_process(proc)


@pytest.mark.worker
def test_worker_metrics_count_tasks_by_state_across_the_pool(committed_db, tenant_a, tmp_path):
    from mortar_api.celery import app

    queue, metrics_port = "metrics_test", free_port()
    log = tmp_path / "worker.log"
    env = subprocess_env(
        MORTAR_WORKER_METRICS_PORT=str(metrics_port),
        MORTAR_METRICS_DIR=str(tmp_path / "prom"),
        CELERY_CONCURRENCY="2",  # prefork: two pool processes write, the parent serves
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "mortar_api.run", "worker", "-Q", queue, "-n", "metrics@apitest",
         "--without-mingle", "--without-gossip"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    worker = Worker(proc, log)
    try:
        wait_for_worker(worker, queue=queue)  # one whoami
        with schema_context(tenant_a.schema_name):
            ok = [app.send_task("mortar_api.tenancy.tasks.whoami", queue=queue) for _ in range(6)]
            bad = app.send_task("mortar_api.tenancy.tasks.whoami", kwargs={"x": 1}, queue=queue)
        assert {r.get(timeout=60)["schema"] for r in ok} == {tenant_a.schema_name}
        with pytest.raises(TypeError):
            bad.get(timeout=60)
        deadline = time.monotonic() + 20  # postrun runs just after the result is stored
        while True:
            samples = scrape(metrics_port)
            done = value(
                samples, "mortar_celery_tasks_total", task="mortar_api.tenancy.tasks.whoami"
            )
            if done >= 8 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        pids = {f.name.rsplit("_", 1)[1] for f in (tmp_path / "prom").glob("*/*.db")}
    finally:
        stop_worker(worker)
    name = "mortar_api.tenancy.tasks.whoami"
    assert value(samples, "mortar_celery_tasks_total", task=name, state="success") == 7
    assert value(samples, "mortar_celery_tasks_total", task=name, state="failure") == 1
    assert value(samples, "mortar_celery_task_duration_seconds_count", task=name) == 8
    assert pids, "the pool processes wrote no metric files"
    assert missing_names(samples, "mortar_celery") == []


def test_a_taken_metrics_port_leaves_the_api_serving(committed_db, tmp_path):
    import socket

    with socket.socket() as taken:  # e.g. two native roles given one MORTAR_METRICS_PORT
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        proc, port = start_api_server(tmp_path, MORTAR_METRICS_PORT=str(busy))
        try:
            assert http_get(port, "/health/", "127.0.0.1")[0] == 200
        finally:
            stop_process(proc)
    log = next(tmp_path.glob("gunicorn-*.log")).read_text()
    assert f"metrics: api cannot listen on 127.0.0.1:{busy}" in log


def test_a_bad_metrics_port_stops_the_role_with_its_name():
    proc = subprocess.run(
        [sys.executable, "-m", "mortar_api.run", "api"],
        env=subprocess_env(MORTAR_API_METRICS_PORT="nine"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "mortar_api.run api: MORTAR_API_METRICS_PORT='nine': expected a TCP port" in proc.stderr


def test_ports_and_cap_settings():
    assert port_for("api", {}) is None
    assert port_for("api", {"MORTAR_METRICS_PORT": " "}) is None
    assert port_for("api", {"MORTAR_METRICS_PORT": "9100"}) == 9100
    assert (
        port_for("web", {"MORTAR_METRICS_PORT": "9100", "MORTAR_WEB_METRICS_PORT": "9101"}) == 9101
    )
    for bad in ("http", "0", "70000", "-1"):
        with pytest.raises(MetricsConfigError, match=f"MORTAR_API_METRICS_PORT='{bad}'"):
            port_for("api", {"MORTAR_API_METRICS_PORT": bad})
    assert tenant_cap({}) == 50
    with pytest.raises(MetricsConfigError, match="MORTAR_METRICS_TENANT_CAP='many'"):
        tenant_cap({"MORTAR_METRICS_TENANT_CAP": "many"})
    assert prepare("api", {}) is None


def test_tenant_labels_are_bounded():
    names = ["c", "a", "b"]
    labels = TenantLabels(2, lambda: names, ttl=0)
    assert [labels(t) for t in ("a", "b", "c", None)] == ["a", "b", "other", "none"]
    names.remove("a")  # the list is re-read: the cap follows the tenants that exist
    assert (labels("c"), labels("a")) == ("c", "other")
    seen = TenantLabels(2)  # no list (web): the first two hosts admitted keep their label
    assert seen("scan.test", admit=False) == "other"  # a 404 for a made-up Host takes no place
    assert [seen(h) for h in ("x.test", "y.test", "z.test", "x.test")] == [
        "x.test", "y.test", "other", "x.test"
    ]  # fmt: skip
    assert seen("x.test", admit=False) == "x.test"  # a tenant's own 404 keeps its label
