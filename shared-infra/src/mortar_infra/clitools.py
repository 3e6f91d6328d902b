"""Shared CLI plumbing: one-line `error: ...` on stderr, exit codes.

Progress lines go through `logging` (see `mortar_infra.progress`); results through
`click.echo`.

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
