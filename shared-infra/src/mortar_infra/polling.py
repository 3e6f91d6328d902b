"""`wait_until`: the one "check again until it holds or the time is up" loop.

Starting and stopping things (nginx, private Redis, a site's processes, a graceful
reload) means waiting for a state another process reaches on its own; each of those
waits is a call of this, so they all check once more at the deadline and log the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


def wait_until(check: Callable[[], T], timeout: float, interval: float = 0.1, what: str = "") -> T:
    """Call `check` every `interval` seconds until it returns something truthy, at most
    `timeout` seconds; return its last result (falsy: the time ran out).

    `check` runs at least once and once more at the deadline, so a state reached during
    the last sleep counts. An exception from `check` ends the wait (a process that died
    while we waited for it to answer). `what` names the wait in `--verbose` output.
    """
    start = time.monotonic()
    deadline = start + timeout
    while True:
        result = check()
        now = time.monotonic()
        if result or now >= deadline:
            if what:
                state = "done" if result else "timed out"
                log.debug(f"{what}: {state} after {now - start:.1f}s")
            return result
        time.sleep(min(interval, deadline - now))
