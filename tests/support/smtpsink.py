"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives (api tests, e2e)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class SmtpSink:
    port: int
    messages: list = field(default_factory=list)  # aiosmtpd Envelopes, in arrival order

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    """``with smtp_sink() as sink:`` an SMTP server on a free 127.0.0.1 port for the block."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SmtpSink(port=port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
