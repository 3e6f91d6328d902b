"""Read and update a site's `.env` (KEY=VALUE lines) without losing anything else in it."""

from __future__ import annotations

import re
from pathlib import Path

from mortar_infra.config import write_atomic

_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def read_env(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        m = _LINE_RE.match(line)
        if m and not line.lstrip().startswith("#"):
            values[m.group(1)] = _unquote(m.group(2))
    return values


def update_env(path: Path, updates: dict[str, str]) -> bool:
    """Set `updates` in place (other lines kept, new keys appended); atomic, mode 0600.

    Returns True if the file changed.
    """
    lines = path.read_text().splitlines() if path.exists() else []
    pending = dict(updates)
    out = []
    for line in lines:
        m = _LINE_RE.match(line)
        if m and not line.lstrip().startswith("#") and m.group(1) in pending:
            key = m.group(1)
            out.append(f"{key}={pending.pop(key)}")
        else:
            out.append(line)
    if pending:
        out.append("# written by `mortar site provision`")
        out.extend(f"{k}={v}" for k, v in pending.items())
    text = "\n".join(out) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    write_atomic(path, text, mode=0o600)
    return True
