"""`mortar_infra.polling.wait_until`, the one wait loop (real clocks, real processes)."""

from __future__ import annotations

import logging
import subprocess
import time

import pytest
from mortar_infra.polling import wait_until


def test_a_truthy_first_answer_returns_at_once() -> None:
    start = time.monotonic()
    assert wait_until(lambda: 42, timeout=5, interval=1) == 42
    assert time.monotonic() - start < 0.5


def test_waits_for_a_real_process_to_end() -> None:
    proc = subprocess.Popen(["sleep", "0.3"])
    start = time.monotonic()
    assert wait_until(lambda: proc.poll() is not None, timeout=10, interval=0.05)
    assert 0.25 < time.monotonic() - start < 5


def test_time_up_returns_the_last_falsy_answer_after_a_check_at_the_deadline() -> None:
    calls: list[float] = []

    def never() -> int:
        calls.append(time.monotonic())
        return 0

    start = time.monotonic()
    assert wait_until(never, timeout=0.3, interval=0.1) == 0
    assert calls[-1] - start >= 0.3  # checked once more at the deadline, not given up early
    assert time.monotonic() - start < 1.5
    assert 3 <= len(calls) <= 6


def test_no_time_left_still_checks_once() -> None:
    calls = []
    assert wait_until(lambda: calls.append(1), timeout=-1) is None
    assert calls == [1]


def test_an_exception_from_the_check_ends_the_wait() -> None:
    def dead() -> bool:
        raise RuntimeError("exited at start")

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="exited at start"):
        wait_until(dead, timeout=10)
    assert time.monotonic() - start < 1


def test_named_waits_are_logged_for_verbose(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="mortar_infra"):
        wait_until(lambda: True, 1, what="nginx start")
        wait_until(lambda: False, 0.05, 0.01, what="private Redis")
    messages = [r.getMessage() for r in caplog.records if r.name == "mortar_infra.polling"]
    assert messages[0].startswith("nginx start: done after")
    assert messages[1].startswith("private Redis: timed out after")
