"""A site's `.env` read exactly as the services read it: django-environ's own parser.

The services call ``environ.Env.read_env``; the CLI (mortar_infra) reads the same file
through `parse_env` here, which runs that same parser into a dict instead of os.environ.
One grammar, so a line one side takes and the other ignores cannot exist.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import environ

# The line grammar django-environ's read_env applies (environ.Env.read_env, 0.11-0.14):
# the CLI uses it to find the line of a key it rewrites.
ENV_LINE = re.compile(r"\A(?:export )?([A-Za-z_0-9]+)=(.*)\Z")


def parse_env(text: str) -> dict[str, str]:
    """KEY -> value of a .env text, the last line of a key winning, as the services see it."""
    collector = type("_EnvCollector", (environ.Env,), {"ENVIRON": {}})
    # django-environ warns about every line it skips; that is the caller's business here
    logger = logging.getLogger(environ.environ.__name__)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        collector.read_env(io.StringIO(text), overwrite=True)
    finally:
        logger.setLevel(level)
    return dict(collector.ENVIRON)


def read_env_file(path: Path) -> dict[str, str]:
    """`parse_env` of a file; {} when it does not exist."""
    return parse_env(path.read_text(encoding="utf8")) if path.exists() else {}
