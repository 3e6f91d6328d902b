"""Read and update a site's `.env` (KEY=VALUE lines) without losing anything else in it.

One grammar with the services: reading and finding a key's line both use
mortar_contract.envfile (django-environ's own parser), never a second regex.
"""

from __future__ import annotations

from pathlib import Path

from mortar_contract.envfile import ENV_LINE, read_env_file

from mortar_infra.config import write_atomic


def read_env(path: Path) -> dict[str, str]:
    """The site's .env as the services read it (django-environ's parser, mortar_contract)."""
    return read_env_file(path)


def update_env(path: Path, updates: dict[str, str]) -> bool:
    """Set `updates` in place (other lines kept, new keys appended); atomic, mode 0600.

    Returns True if the file changed.
    """
    lines = path.read_text().splitlines() if path.exists() else []
    out = []
    seen: set[str] = set()
    for line in lines:
        m = ENV_LINE.match(line)
        if m and m.group(1) in updates:
            # every line of the key: the services take the last one, so none may keep
            # an old value
            key = m.group(1)
            seen.add(key)
            out.append(f"{key}={updates[key]}")
        else:
            out.append(line)
    pending = {k: v for k, v in updates.items() if k not in seen}
    if pending:
        out.append("# written by `mortar site provision`")
        out.extend(f"{k}={v}" for k, v in pending.items())
    text = "\n".join(out) + "\n"
    if path.exists() and path.read_text() == text:
        return False
    write_atomic(path, text, mode=0o600)
    return True
