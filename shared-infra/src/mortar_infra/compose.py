"""Compose mode: admin secrets for `shared-infra/compose.yml` and its rendered nginx config."""

from __future__ import annotations

import secrets
from pathlib import Path

from mortar_infra import nginx, tls
from mortar_infra.config import infra_state_file, read_json, write_json
from mortar_infra.envfile import read_env, update_env
from mortar_infra.manifest import Site


def init_compose(
    target: Path,
    sites: list[Site],
    https: bool | None = None,
    acme: dict[str, str] | None = None,
) -> list[str]:
    """Write `<target>/.env` secrets (existing values kept) and `<target>/nginx/`.

    `https`/`acme` are remembered as `infra up` remembers them (None/empty: unchanged); with
    HTTPS on and no ACME server, each site gets its local-CA certificate to render with.
    """
    if https is not None or acme:
        state = read_json(infra_state_file())
        state["https"] = tls.merged_https(state.get("https", {}), https, acme)
        write_json(infra_state_file(), state)
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
    # certbot (on the host) writes challenges here; the container serves them.
    webroot = nginx.acme_webroot()
    webroot.mkdir(mode=0o755, parents=True, exist_ok=True)
    if env.get("MORTAR_ACME_WEBROOT") != str(webroot):
        update_env(env_path, {"MORTAR_ACME_WEBROOT": str(webroot)})
        lines.append(f"==> {env_path}: MORTAR_ACME_WEBROOT={webroot}")
    for site in sites:
        nginx.ensure_cert(site)  # local CA only (ACME: `infra renew --compose-dir` issues)
    for p in nginx.render_all("compose", target / "nginx", sites):
        lines.append(f"==> wrote {p}")
    return lines
