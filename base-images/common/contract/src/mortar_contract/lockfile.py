"""A site's dependency lock: ``api/requirements.lock`` and ``web/requirements.lock``.

pip's hashed requirements format, one ``name==version`` entry per package the site adds to
its base image (the base's own packages are never in it), each followed by its
``--hash=sha256:`` lines. ``mortar site lock`` writes it; the site images (site-deps.py) and
the native site venv install it with ``pip install --no-deps --require-hashes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOCK_NAME = "requirements.lock"


@dataclass(frozen=True)
class LockEntry:
    name: str  # canonical (PEP 503): lower case, runs of -_. as one -
    version: str
    text: str  # the entry's lines as written (requirement, hashes, "# via" notes)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> list[LockEntry]:
    """The entries of a lock; a top-level line that is not ``name==version`` is an error."""
    entries: list[LockEntry] = []
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line[:1].isspace():  # a hash or "# via" line of the entry above
            if lines:
                lines.append(line)
            continue
        if lines:
            entries.append(_entry(lines))
            lines = []
        if not line.strip() or line.startswith("#"):
            continue
        spec = line.split(";", 1)[0].rstrip(" \\")
        if "==" not in spec or not spec.split("==", 1)[1].strip():
            raise ValueError(f"line {number}: {line!r} is not a pinned requirement (name==version)")
        lines = [line]
    if lines:
        entries.append(_entry(lines))
    return entries


def _entry(lines: list[str]) -> LockEntry:
    name, version = lines[0].split(";", 1)[0].rstrip(" \\").split("==", 1)
    name = name.split("[", 1)[0].strip()
    return LockEntry(canonical(name), version.strip(), "\n".join(lines))
