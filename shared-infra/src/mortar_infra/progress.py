"""Progress lines of the `mortar` CLI, through `logging`.

Library modules log to their own logger (`logging.getLogger(__name__)`, all under
`mortar_infra`): a step at INFO (`==> ...` lines, as printed by default), details at
DEBUG (shown with `--verbose`). Nothing is printed until an entry point calls `setup`,
so code calling these functions from tests or other programs stays silent without
passing anything. What a command *returns* (status tables, URLs, the admin login) is
not progress: commands print it with `click.echo`, so `--quiet` keeps it.
"""

from __future__ import annotations

import logging

import click

ROOT = "mortar_infra"
QUIET, NORMAL, VERBOSE = logging.WARNING, logging.INFO, logging.DEBUG


class EchoHandler(logging.Handler):
    """Writes records as lines with `click.echo`: INFO to stdout (or stderr with `err`),
    DEBUG and WARNING+ to stderr, so machine output on stdout (`--json`) stays parseable.

    The stream is looked up per line (click's test runner swaps it).
    """

    def __init__(self, err: bool = False) -> None:
        super().__init__()
        self.err = err

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
            if record.levelno >= logging.WARNING:
                click.echo(f"warning: {msg}", err=True)
            elif record.levelno < logging.INFO:
                where = record.name.removeprefix(f"{ROOT}.")
                click.echo(f"debug [{where}] {msg}", err=True)
            else:
                click.echo(msg, err=self.err)
        except Exception:  # logging must never break the command
            self.handleError(record)


def setup(level: int = NORMAL, err: bool = False) -> None:
    """Install the one progress handler on the `mortar_infra` logger (replacing ours)."""
    teardown()
    logger = logging.getLogger(ROOT)
    logger.addHandler(EchoHandler(err=err))
    logger.setLevel(level)


def teardown() -> None:
    """Back to silent library use (the CLI calls it when a command ends, so an in-process
    caller such as click's test runner is not left printing)."""
    logger = logging.getLogger(ROOT)
    for old in [h for h in logger.handlers if isinstance(h, EchoHandler)]:
        logger.removeHandler(old)
    logger.setLevel(logging.NOTSET)
