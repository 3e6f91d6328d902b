"""A small bounded load generator for the resilience tier: threads sending requests to the
shared nginx on loopback, each request recorded with its phase, status and latency.

Threads rather than wrk or locust: wrk is not installed here and neither records what each
request got per phase; requests (already in the kit venv) with one Session per thread keeps
connections alive like a browser. Every loop ends by a deadline fixed at start (`run_for`)
and by `stop()`, whichever comes first; each request has its own timeout.

    load = Load(port, [Target("alpha.localhost", "/")], threads=4)
    with load.running(max_seconds=60):
        load.phase = "during"
        ...
    load.samples  # [Sample(phase, target, status, latency, error), ...]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests

PHASES = ("before", "during", "after")


@dataclass(frozen=True)
class Target:
    """One kind of request: a Host, a path, and optionally a method and a body maker."""

    host: str
    path: str
    method: str = "GET"
    # called per request: (json body or None, files or None); for writes
    body: Callable[[], tuple[dict | None, dict | None]] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.host}{self.path}"


@dataclass
class Sample:
    phase: str
    target: str
    started: float  # monotonic
    latency: float  # seconds
    status: int  # 0: no HTTP answer (see error)
    error: str = ""
    body: dict | None = None  # what a write sent
    answer: str = ""  # the first bytes of a write's answer
    retried: bool = False  # a read sent again after its connection closed (see Load._one)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Load:
    port: int
    targets: list[Target]
    threads: int = 4
    timeout: float = 20.0  # per request; above every proxy timeout the tier sets
    pause: float = 0.0  # between one thread's requests
    samples: list[Sample] = field(default_factory=list)
    phase: str = "before"

    def __post_init__(self) -> None:
        if not self.targets or self.threads < 1:
            raise ValueError("Load needs at least one target and one thread")
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def _one(self, session: requests.Session, target: Target) -> Sample:
        data, files = target.body() if target.body else (None, None)
        phase, start = self.phase, time.monotonic()
        headers = {"Host": target.host, **dict(target.headers)}
        retried = False
        while True:
            try:
                resp = session.request(
                    target.method, f"http://127.0.0.1:{self.port}{target.path}", headers=headers,
                    json=data if files is None else None, data=data if files is not None else None,
                    files=files, timeout=self.timeout, allow_redirects=False,
                )  # fmt: skip
                status, error, answer = resp.status_code, "", resp.text[:300] if data else ""
            except requests.ConnectionError as exc:
                # A kept-alive connection the server closed as the request went out: like a
                # browser (RFC 9112 9.3.1), retry an idempotent request once, on a new
                # connection; counted (`retried`), never hidden. Writes are not retried.
                if target.method in ("GET", "HEAD") and not retried:
                    retried = True
                    continue
                status, error, answer = 0, type(exc).__name__, ""
            except requests.RequestException as exc:
                status, error, answer = 0, type(exc).__name__, ""
            break
        return Sample(phase, target.label, start, time.monotonic() - start, status, error,
                      data, answer, retried)  # fmt: skip

    def _loop(self, index: int, deadline: float) -> None:
        with requests.Session() as session:
            n = index  # threads start on different targets
            while not self._stop.is_set() and time.monotonic() < deadline:
                sample = self._one(session, self.targets[n % len(self.targets)])
                n += 1
                with self._lock:
                    self.samples.append(sample)
                if self.pause:
                    self._stop.wait(self.pause)

    @contextmanager
    def running(self, max_seconds: float) -> Iterator[Load]:
        """Send load in the background for the block (at most `max_seconds`)."""
        self._stop.clear()
        deadline = time.monotonic() + max_seconds
        workers = [
            threading.Thread(target=self._loop, args=(i, deadline), daemon=True)
            for i in range(self.threads)
        ]
        for w in workers:
            w.start()
        try:
            yield self
        finally:
            self._stop.set()
            for w in workers:
                w.join(self.timeout + 5)

    def hold(self, phase: str, seconds: float) -> None:
        """Enter `phase` and keep the load going for `seconds`."""
        self.phase = phase
        time.sleep(seconds)

    def of(self, target: str | None = None, phase: str | None = None) -> list[Sample]:
        with self._lock:
            return [
                s
                for s in self.samples
                if (target is None or s.target == target) and (phase is None or s.phase == phase)
            ]
