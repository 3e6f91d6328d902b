"""docs/grafana-mortar.json: a valid Grafana dashboard whose every query uses only metric
names the roles export (mortar_contract.metrics.METRIC_NAMES; the api and web tiers check
that real scrapes hold those names)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mortar_contract.metrics import METRIC_NAMES

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-mortar.json"
# a PromQL selector: a name followed by its label matchers
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def _exported(name: str) -> bool:
    base = next((name.removesuffix(s) for s in HISTOGRAM_SUFFIXES if name.endswith(s)), name)
    return name in METRIC_NAMES or base in METRIC_NAMES


def test_dashboard_is_valid_and_every_panel_queries_exported_metrics():
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] and dash["title"] and isinstance(dash["schemaVersion"], int)
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)) >= 6
    used: set[str] = set()
    for panel in dash["panels"]:
        assert panel["targets"], panel["title"]
        assert {"h", "w", "x", "y"} <= panel["gridPos"].keys(), panel["title"]
        for target in panel["targets"]:
            names = SELECTOR.findall(target["expr"])
            assert names, (panel["title"], target["expr"])
            unknown = [n for n in names if not _exported(n)]
            assert not unknown, (panel["title"], unknown)
            used.update(names)
    # the list: requests/latency by status, tenants, cache ratio, Celery tasks
    for needed in (
        "mortar_http_requests_total",
        "mortar_http_request_duration_seconds_bucket",
        "mortar_cache_requests_total",
        "mortar_celery_tasks_total",
        "mortar_celery_task_duration_seconds_bucket",
    ):
        assert needed in used, needed
    variables = {v["name"] for v in dash["templating"]["list"]}
    for ref in set(re.findall(r"\$(\w+)", json.dumps(dash["panels"]))):
        assert ref in variables, ref


def test_the_checker_rejects_an_unknown_name():
    assert _exported("mortar_http_request_duration_seconds_bucket")
    assert not _exported("mortar_http_requests_bucket")
    assert not _exported("django_cache_get_hits_total")
