"""A stand-in Sentry for tests: an HTTP server thread on loopback that keeps the envelopes
sentry-sdk posts to it (its DSN points there), so a test can read the events a real
process sent. Used by the api and web tiers (their pytest configs put tests/support on
the path)."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def parse_envelope(body: bytes) -> list[tuple[dict[str, Any], Any]]:
    """The (item header, payload) pairs of a Sentry envelope; JSON payloads decoded."""
    _, _, rest = body.partition(b"\n")  # the envelope header (event_id, dsn, sent_at)
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        header = json.loads(line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        try:
            items.append((header, json.loads(payload)))
        except ValueError:
            items.append((header, payload))
    return items


class SentrySink:
    """`with SentrySink() as sink:` ... `sink.dsn` ... `sink.wait_for_event(...)`."""

    def __init__(self) -> None:
        self.envelopes: list[list[tuple[dict[str, Any], Any]]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's method name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with sink._lock:
                    sink.envelopes.append(parse_envelope(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_address[1]}/42"

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [p for env in self.envelopes for h, p in env if h.get("type") == "event"]

    def wait_for_event(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if match(e)]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no matching event in {timeout}s; got {self.events()!r}")

    def __enter__(self) -> SentrySink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def exception_of(event: dict[str, Any]) -> tuple[str, str]:
    """(type, message) of the event's last exception; ("", "") when it has none."""
    values = (event.get("exception") or {}).get("values") or []
    return (values[-1]["type"], values[-1].get("value", "")) if values else ("", "")
