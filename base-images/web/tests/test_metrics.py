"""web's Prometheus metrics (mortar_contract.metrics, docs/metrics.md).

web's gunicorn with 2 workers and a metrics port: the port serves the sum over both
workers of the answers by status and (capped) tenant host and the page cache's hits and
misses; web's public port has no /metrics. (Port parsing, the label cap and the api and
worker roles are tested in the api tier: tests/metrics.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import T1, T2, Site
from mortar_contract.metrics import METRIC_NAMES
from promscrape import missing_names, scrape, value
from stack import free_port


def test_web_metrics_port_sums_workers_and_counts_the_page_cache(stack, tmp_path):
    port, metrics_port = free_port(), free_port()
    stack.start_web(
        workers=2,
        port=port,
        MORTAR_WEB_STATIC_ROOT=str(tmp_path / "collected"),
        MORTAR_WEB_METRICS_PORT=str(metrics_port),
        MORTAR_METRICS_DIR=str(tmp_path / "prom"),
        MORTAR_METRICS_TENANT_CAP="1",
    )
    one, two = Site(stack, T1), Site(stack, T2)
    one.base = two.base = f"http://127.0.0.1:{port}"
    try:
        with ThreadPoolExecutor(4) as pool:  # concurrent: both sync workers answer
            first = list(pool.map(lambda _: one.get("/about/"), range(16)))
        assert [r.status_code for r in first] == [200] * 16
        assert one.get("/no-such-page/").status_code == 404
        assert two.get("/about/").status_code == 200
        assert one.get("/metrics/").status_code == 404  # only on the metrics port
        samples = scrape(metrics_port)
        pids = {p.name.rsplit("_", 1)[1] for p in (tmp_path / "prom").glob("*/*.db")}
    finally:
        stack.stop(f"web-{port}")
    served_hits = sum(r.headers.get("X-Mortar-Cache") == "hit" for r in first)
    assert len(pids) == 2, pids  # both workers wrote; the scrape is their sum
    # 16 + 1 pages and start_web's /health/ probes (any Host: tenant "none"; a probe that
    # timed out on a loaded machine is retried, so there may be more than one)
    probes = value(samples, "mortar_http_requests_total", status="200", tenant="none")
    assert probes >= 1
    assert value(samples, "mortar_http_requests_total", role="web", status="200") == 17 + probes
    # cap 1: in each worker the first tenant host answered below 400 keeps its label (t1:
    # the only one asked first), t2 is "other"; the health probe has no tenant
    assert value(samples, "mortar_http_requests_total", status="200", tenant=T1) == 16
    assert value(samples, "mortar_http_requests_total", status="200", tenant="other") == 1
    assert value(samples, "mortar_http_requests_total", status="404") == 2
    assert value(samples, "mortar_http_request_duration_seconds_count", role="web") == 19 + probes
    # the page cache: every hit served is counted, and every page looked up is hit or miss
    hits = value(samples, "mortar_cache_requests_total", cache="page", result="hit")
    misses = value(samples, "mortar_cache_requests_total", cache="page", result="miss")
    assert hits == served_hits and hits >= 1
    assert misses >= 1 and hits + misses >= 18
    assert (
        value(samples, "django_http_responses_total_by_status_total", status="200") == 17 + probes
    )
    # every name the Grafana dashboard may use, but the worker's
    assert missing_names(samples) == [n for n in METRIC_NAMES if n.startswith("mortar_celery")]
