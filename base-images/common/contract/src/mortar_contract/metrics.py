"""Prometheus metrics for a site's roles: one rule for api, web and worker.

Off unless the role's metrics port is set (``MORTAR_<ROLE>_METRICS_PORT``, else
``MORTAR_METRICS_PORT``; empty means off). When on, the role serves ``/metrics`` on its
own bind (``MORTAR_METRICS_HOST``, default 127.0.0.1): never on the port the shared nginx
routes to, so the public vhost cannot reach it.

gunicorn and Celery's prefork pool run several processes per role, each with its own
counters. prometheus_client's multiprocess mode sums them: every process writes its
values to mmap files under ``PROMETHEUS_MULTIPROC_DIR`` and the one HTTP server (in the
gunicorn master / the Celery main process, which outlive their workers) reads them all,
so one scrape of a role is the whole role. The directory must be set before
prometheus_client is first imported, hence ``prepare()`` in the parent before any fork;
it is a fresh directory per role start, so a restart never reads a previous run's files.
(django-prometheus' alternative, a port range with one port per worker, would make
Prometheus scrape N targets per role and lose the counts of recycled workers.)

Exported (besides django-prometheus' ``django_http_*`` middleware metrics; its cache
backends need django-redis, which the kit does not use, so the kit's caches count
themselves), all names in METRIC_NAMES:

- ``mortar_http_requests_total{role,status,tenant}`` and
  ``mortar_http_request_duration_seconds{role,status}``: every answer, by status code;
  ``tenant`` is capped (``TenantLabels``) so the series stay bounded.
- ``mortar_cache_requests_total{cache,result}``: the kit's own caches (web's ``page`` and
  ``api_response`` caches, api's public ``response`` cache), result ``hit`` or ``miss``.
- ``mortar_celery_tasks_total{task,state}`` and ``mortar_celery_task_duration_seconds{task}``
  from Celery's task signals in the pool processes (state: success, failure, retry).

prometheus_client is imported only by the functions that need it, so the mortar CLI
(which imports this package, not prometheus_client) never loads it.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

ROLES = ("api", "web", "worker")
DEFAULT_TENANT_CAP = 50
OTHER = "other"
HTTP_REQUESTS = "mortar_http_requests_total"
HTTP_DURATION = "mortar_http_request_duration_seconds"
CACHE_REQUESTS = "mortar_cache_requests_total"
TASKS = "mortar_celery_tasks_total"
TASK_DURATION = "mortar_celery_task_duration_seconds"
# The names a scrape shows (histograms add _bucket/_sum/_count): the api and web tests
# check that their scrapes hold them, and tests/unit/test_metrics_dashboard.py that the
# Grafana dashboard (docs/grafana-mortar.json) uses no other.
METRIC_NAMES = (
    HTTP_REQUESTS,
    HTTP_DURATION,
    CACHE_REQUESTS,
    TASKS,
    TASK_DURATION,
    "django_http_requests_before_middlewares_total",
    "django_http_responses_total_by_status_total",
    "django_http_requests_latency_including_middlewares_seconds",
)


class MetricsConfigError(ValueError):
    """A metrics setting that cannot be used (named in the message)."""


def port_for(role: str, environ: Mapping[str, str] | None = None) -> int | None:
    """The role's metrics port, or None when metrics are off for it."""
    env = os.environ if environ is None else environ
    name = f"MORTAR_{role.upper()}_METRICS_PORT"
    raw = env.get(name, "").strip()
    if not raw:
        name = "MORTAR_METRICS_PORT"
        raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise MetricsConfigError(f"{name}={raw!r}: expected a TCP port (1-65535) or empty (off)")
    return int(raw)


def tenant_cap(environ: Mapping[str, str] | None = None) -> int:
    """How many tenants get a label of their own (``MORTAR_METRICS_TENANT_CAP``, default 50)."""
    env = os.environ if environ is None else environ
    raw = env.get("MORTAR_METRICS_TENANT_CAP", "").strip() or str(DEFAULT_TENANT_CAP)
    if not raw.isdigit():
        raise MetricsConfigError(f"MORTAR_METRICS_TENANT_CAP={raw!r}: expected a whole number")
    return int(raw)


def prepare(role: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Make this role's multiprocess directory and export it, before anything forks.

    Returns the directory, or None when metrics are off. Idempotent within one process
    tree: a directory this tree already made (same role) is kept.
    """
    env = os.environ if environ is None else environ
    if port_for(role, env) is None:
        return None
    current = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if current and os.environ.get("MORTAR_METRICS_DIR_ROLE") == role and os.path.isdir(current):
        return current
    base = env.get("MORTAR_METRICS_DIR", "").strip() or None
    if base:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix=f"mortar-metrics-{role}-", dir=base)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    os.environ["MORTAR_METRICS_DIR_ROLE"] = role
    return path


def start_server(role: str, environ: Mapping[str, str] | None = None) -> int | None:
    """Serve the role's summed metrics on its own port (in the long-lived parent process).

    Returns the port, or None when metrics are off or the multiprocess directory is
    missing (``prepare`` was not called before the fork: counts would be per process).
    """
    env = os.environ if environ is None else environ
    port = port_for(role, env)
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if port is None:
        return None
    if not path:
        log.error("metrics: PROMETHEUS_MULTIPROC_DIR unset; %s serves no metrics", role)
        return None
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=path)
    host = env.get("MORTAR_METRICS_HOST", "").strip() or "127.0.0.1"
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:  # a taken port must not take the site down with it
        log.error("metrics: %s cannot listen on %s:%s (%s); no metrics", role, host, port, exc)
        return None
    atexit.register(shutil.rmtree, path, True)
    log.info("metrics: %s on http://%s:%s/metrics", role, host, port)
    return port


def process_dead(pid: int) -> None:
    """Drop a finished worker's live-gauge files (its counters stay in the sum)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


# --- the metric objects (made on first use: after prepare() set the directory) ---------


@functools.cache
def _metrics() -> dict[str, Any]:
    from prometheus_client import Counter, Histogram

    return {
        HTTP_REQUESTS: Counter(
            HTTP_REQUESTS, "Answers by role, status code and tenant (capped)",
            ["role", "status", "tenant"],
        ),
        HTTP_DURATION: Histogram(
            HTTP_DURATION, "Time from request to answer by role and status code",
            ["role", "status"],
        ),
        CACHE_REQUESTS: Counter(
            CACHE_REQUESTS, "Reads of the kit's caches by cache and result", ["cache", "result"]
        ),
        TASKS: Counter(TASKS, "Celery tasks run, by task and final state", ["task", "state"]),
        TASK_DURATION: Histogram(TASK_DURATION, "Celery task run time", ["task"]),
    }  # fmt: skip


def cache_result(cache: str, hit: bool, count: int = 1) -> None:
    """Count ``count`` reads of one of the kit's caches."""
    if count:
        _metrics()[CACHE_REQUESTS].labels(cache, "hit" if hit else "miss").inc(count)


class TenantLabels:
    """Bound the ``tenant`` label: the first ``cap`` names of ``names()`` (sorted) keep
    their own label, every other tenant is counted as ``other``.

    ``names`` lists the role's tenants (the api: schema names from its database) and is
    re-read every ``ttl`` seconds, so a new tenant gets its label without a restart while
    the set stays the same in every process of the role. Without ``names`` (web, which
    knows hosts, not a tenant list) the first ``cap`` values a process sees with
    ``admit`` true keep theirs (so a scanner's made-up Host headers, answered 404, take no
    place).
    """

    def __init__(
        self, cap: int, names: Callable[[], Iterable[str]] | None = None, ttl: float = 60.0
    ) -> None:
        self.cap, self.names, self.ttl = cap, names, ttl
        self._allowed: set[str] = set()
        self._loaded = float("-inf")
        self._lock = threading.Lock()

    def __call__(self, tenant: str | None, admit: bool = True) -> str:
        if not tenant:
            return "none"
        with self._lock:
            if self.names is None:
                if admit and tenant not in self._allowed and len(self._allowed) < self.cap:
                    self._allowed.add(tenant)
            elif time.monotonic() - self._loaded > self.ttl:
                try:
                    self._allowed = set(sorted(self.names())[: self.cap])
                except Exception:  # a metrics label must never fail a request
                    log.warning("metrics: tenant list unavailable", exc_info=True)
                self._loaded = time.monotonic()
            return tenant if tenant in self._allowed else OTHER


class MetricsMiddleware:
    """Django middleware: counts and times every answer by status and tenant.

    Subclasses set ``role`` and ``tenant_of(request, response)`` (the tenant, and whether
    it may take a new label place). A request for which it fails is counted as ``none``.
    """

    role = "api"

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.labels = TenantLabels(tenant_cap(), self.tenant_names())

    def tenant_names(self) -> Callable[[], Iterable[str]] | None:
        return None

    def tenant_of(self, request: Any, response: Any) -> tuple[str | None, bool]:
        return None, False

    def __call__(self, request: Any) -> Any:
        start = time.perf_counter()
        response = self.get_response(request)
        status = str(response.status_code)
        try:
            tenant = self.labels(*self.tenant_of(request, response))
        except Exception:
            tenant = "none"
        metrics = _metrics()
        metrics[HTTP_REQUESTS].labels(self.role, status, tenant).inc()
        metrics[HTTP_DURATION].labels(self.role, status).observe(time.perf_counter() - start)
        return response


# --- Celery: task signals in the pool processes -------------------------------------------

_task_started: dict[str, float] = {}


def _task_prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def _task_postrun(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _task_started.pop(task_id or "", None)
    name = getattr(task, "name", None) or "unknown"
    metrics = _metrics()
    metrics[TASKS].labels(name, (state or "unknown").lower()).inc()
    if started is not None:
        metrics[TASK_DURATION].labels(name).observe(time.perf_counter() - started)


def _worker_ready(**_: Any) -> None:
    start_server("worker")


def _pool_process_shutdown(**_: Any) -> None:
    process_dead(os.getpid())


def instrument_celery() -> bool:
    """Connect the task and worker signals when the worker role has a metrics port.

    Called by the app factory; the worker's parent made the directory (``run worker``
    calls ``prepare``), else it is made here, which works as long as prometheus_client
    was not imported yet. Returns whether metrics are on.
    """
    if port_for("worker") is None or os.environ.get("MORTAR_ROLE") != "worker":
        return False
    prepare("worker")
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False)
    signals.task_postrun.connect(_task_postrun, weak=False)
    signals.worker_ready.connect(_worker_ready, weak=False)
    signals.worker_process_shutdown.connect(_pool_process_shutdown, weak=False)
    return True


# --- gunicorn: the hooks of a role's config module -----------------------------------------


def gunicorn_hooks(role: str) -> tuple[Callable[..., None], ...]:
    """(on_starting, when_ready, child_exit) for a gunicorn config module of ``role``.

    The master makes the directory before it forks a worker, serves the sum of its
    workers' files, and marks each exited worker dead (gunicorn recycles workers).
    """

    def on_starting(server: Any) -> None:
        prepare(role)

    def when_ready(server: Any) -> None:
        start_server(role)

    def child_exit(server: Any, worker: Any) -> None:
        process_dead(worker.pid)

    return on_starting, when_ready, child_exit
