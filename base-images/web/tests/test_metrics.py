"""web's Prometheus metrics (mortar_contract.metrics, docs/metrics.md).

web's gunicorn with 2 workers and a metrics port: the port serves the sum over both
workers of the answers by status and (capped) tenant host and the page cache's hits and
misses; web's public port has no /metrics. (Port parsing, the label cap and the api and
worker roles are tested in the api tier: tests/metrics.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from conftest import T1, T2, Site
from mortar_contract.metrics import METRIC_NAMES
from prometheus_client.parser import text_string_to_metric_families
from stack import free_port


def _scrape(port: int) -> dict[tuple[str, frozenset], float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


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
        samples = _scrape(metrics_port)
        pids = {p.name.rsplit("_", 1)[1] for p in (tmp_path / "prom").glob("*/*.db")}
    finally:
        stack.stop(f"web-{port}")
    served_hits = sum(r.headers.get("X-Mortar-Cache") == "hit" for r in first)
    assert len(pids) == 2, pids  # both workers wrote; the scrape is their sum
    # 16 + 1 pages and start_web's /health/ probe (any Host: tenant "none")
    assert _value(samples, "mortar_http_requests_total", role="web", status="200") == 18
    assert _value(samples, "mortar_http_requests_total", status="200", tenant="none") == 1
    # cap 1: in each worker the first tenant host answered below 400 keeps its label (t1:
    # the only one asked first), t2 is "other"; the health probe has no tenant
    assert _value(samples, "mortar_http_requests_total", status="200", tenant=T1) == 16
    assert _value(samples, "mortar_http_requests_total", status="200", tenant="other") == 1
    assert _value(samples, "mortar_http_requests_total", status="404") == 2
    assert _value(samples, "mortar_http_request_duration_seconds_count", role="web") >= 19
    # the page cache: every hit served is counted, and every page looked up is hit or miss
    hits = _value(samples, "mortar_cache_requests_total", cache="page", result="hit")
    misses = _value(samples, "mortar_cache_requests_total", cache="page", result="miss")
    assert hits == served_hits and hits >= 1
    assert misses >= 1 and hits + misses >= 18
    assert _value(samples, "django_http_responses_total_by_status_total", status="200") >= 18
    seen = {n for (n, _) in samples}  # the names the Grafana dashboard uses for web
    for name in METRIC_NAMES:
        if not name.startswith("mortar_celery"):
            assert any(n == name or n.startswith(f"{name}_") for n in seen), name
