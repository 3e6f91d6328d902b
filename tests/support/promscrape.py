"""Reading a role's metrics port in tests: one real scrape, parsed by prometheus_client's
own text parser. Used by the api and web tiers (their pytest configs put tests/support on
the path)."""

from __future__ import annotations

import urllib.request

from mortar_contract.metrics import METRIC_NAMES
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset], float]


def scrape(port: int) -> Samples:
    """{(sample name, labels): value} of GET http://127.0.0.1:<port>/metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def missing_names(samples: Samples, prefix: str = "") -> list[str]:
    """METRIC_NAMES (starting with `prefix`) of which the scrape has no sample: the
    Grafana dashboard may use only names a real scrape shows."""
    seen = {n for (n, _) in samples}
    return [
        name
        for name in METRIC_NAMES
        if name.startswith(prefix) and not any(n == name or n.startswith(f"{name}_") for n in seen)
    ]
