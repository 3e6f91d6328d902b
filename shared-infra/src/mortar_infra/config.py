"""Where Mortar keeps its state and which servers it talks to, all from the environment.

| variable | default | meaning |
| --- | --- | --- |
| `MORTAR_HOME` | `~/.mortar` | state dir: nginx prefix, private servers, per-site state |
| `MORTAR_HTTP_PORT` | `8080` | port nginx listens on (127.0.0.1) in native mode |
| `MORTAR_POSTGRES_ADMIN_URL` | see `postgres_admin_url` | superuser URL of the shared PostgreSQL |
| `MORTAR_REDIS_ADMIN_URL` | see `redis_admin_url` | admin URL of the shared Redis |
| `MORTAR_CLIENT_MAX_BODY_SIZE` | `25m` | nginx upload limit for sites that set none |
| `MORTAR_NGINX` | `nginx` on PATH, else `/usr/sbin/nginx` | the nginx binary |
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# The servers of this machine kind (and CI): PostgreSQL and Redis already run on loopback.
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_ADMIN_URL = "redis://127.0.0.1:6379/0"


class MortarError(Exception):
    """A failure the CLI reports as one `error: ...` line (exit 1)."""


class UsageError(MortarError):
    """Bad input from the user (exit 2)."""


def mortar_home() -> Path:
    return Path(os.environ.get("MORTAR_HOME") or Path.home() / ".mortar").expanduser()


def port_from_env(name: str, default: int) -> int:
    """A TCP port from the environment variable `name`; `UsageError` naming it if invalid."""
    raw = os.environ.get(name) or str(default)
    try:
        port = int(raw)
    except ValueError:
        raise UsageError(f"{name} must be a port number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise UsageError(f"{name} out of range: {port}")
    return port


def http_port() -> int:
    return port_from_env("MORTAR_HTTP_PORT", 8080)


def client_max_body_size() -> str:
    return os.environ.get("MORTAR_CLIENT_MAX_BODY_SIZE") or "25m"


def nginx_bin() -> str:
    return os.environ.get("MORTAR_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


def infra_state_file() -> Path:
    return mortar_home() / "infra.json"


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """Write via a temp file + rename so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def postgres_admin_url() -> str:
    """`MORTAR_POSTGRES_ADMIN_URL`, else the private server `infra up` started, else loopback."""
    env = os.environ.get("MORTAR_POSTGRES_ADMIN_URL")
    if env:
        return env
    recorded = read_json(infra_state_file()).get("postgres", {}).get("url")
    return recorded or DEFAULT_POSTGRES_ADMIN_URL


def redis_admin_url() -> str:
    """`MORTAR_REDIS_ADMIN_URL`, else the private server `infra up` started, else loopback."""
    env = os.environ.get("MORTAR_REDIS_ADMIN_URL")
    if env:
        return env
    recorded = read_json(infra_state_file()).get("redis", {}).get("url")
    return recorded or DEFAULT_REDIS_ADMIN_URL
