"""Shared CLI plumbing: progress lines on stdout, one-line `error: ...` on stderr, exit codes.

Exit codes: 0 ok, 1 runtime failure (`MortarError`), 2 bad input (`UsageError`, click usage).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mortar_infra.config import MortarError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def say(msg: str) -> None:
    click.echo(msg)


def fail(msg: str, code: int = 1) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn Mortar errors into one stderr line and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UsageError as exc:
            fail(str(exc), 2)
        except MortarError as exc:
            fail(str(exc), 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]
