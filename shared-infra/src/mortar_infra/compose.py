"""Compose mode: admin secrets for `shared-infra/compose.yml` and its rendered nginx config."""

from __future__ import annotations

import secrets
from pathlib import Path

from mortar_infra import nginx
from mortar_infra.envfile import read_env, update_env
from mortar_infra.manifest import Site


def init_compose(target: Path, sites: list[Site]) -> list[str]:
    """Write `<target>/.env` secrets (existing values kept) and `<target>/nginx/`."""
    env_path = target / ".env"
    env = read_env(env_path)
    fresh = {
        key: secrets.token_urlsafe(32)
        for key in ("POSTGRES_PASSWORD", "REDIS_PASSWORD")
        if not env.get(key)
    }
    lines = []
    if fresh:
        update_env(env_path, fresh)
        lines.append(f"==> {env_path}: generated {', '.join(sorted(fresh))}")
    else:
        lines.append(f"==> {env_path}: secrets already present, kept")
    for p in nginx.render_all("compose", target / "nginx", sites):
        lines.append(f"==> wrote {p}")
    return lines
