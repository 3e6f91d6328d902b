"""The native shared stack: nginx as a user process, PostgreSQL and Redis.

PostgreSQL/Redis: the servers named by `MORTAR_POSTGRES_ADMIN_URL` /
`MORTAR_REDIS_ADMIN_URL` when set; else the machine's own on loopback
(127.0.0.1:5432 as `postgres`, 127.0.0.1:6379) when they answer; else (or with
`private=True`) private servers (`privateservers`) under `$MORTAR_HOME`.
What `up` started is recorded in `$MORTAR_HOME/infra.json`; `down` stops only that.
`infra status` is `stackstatus`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import Any

from mortar_infra import nginx, privateservers, tls
from mortar_infra.config import (
    DEFAULT_POSTGRES_ADMIN_URL,
    DEFAULT_REDIS_ADMIN_URL,
    MortarError,
    http_port,
    infra_state_file,
    mortar_home,
    read_json,
    write_atomic,
    write_json,
)
from mortar_infra.manifest import all_sites
from mortar_infra.probes import pg_ok, redis_ok

log = logging.getLogger(__name__)


def _choose(
    env_var: str,
    default_url: str,
    probe: Callable[[str], tuple[bool, str]],
    private: bool,
    prev: dict[str, Any],
) -> str | None:
    """The external URL to use, or None for a private server.

    Order: the env var (unless it names this home's own private server, as the exports of
    `python -m mortar_infra.servers` do); a private server this home already has; the
    machine's loopback server if it answers (unless `private`); else private.
    """
    url = os.environ.get(env_var)
    own = prev.get("mode") == "private"
    if url and not (own and url == prev.get("url")):
        ok, detail = probe(url)
        if not ok:
            raise MortarError(f"{env_var} does not answer: {detail}")
        return url
    if own or private:
        return None
    return default_url if probe(default_url)[0] else None


def servers_up(private: bool = False) -> dict[str, Any]:
    """PostgreSQL and Redis as `up` chooses them, private ones started when needed.

    Returns the recorded state; `infra.json` is written only when it changed.
    """
    state = read_json(infra_state_file())
    before = json.dumps(state, sort_keys=True)

    pg_prev = state.get("postgres", {})
    ext = _choose(
        "MORTAR_POSTGRES_ADMIN_URL",
        DEFAULT_POSTGRES_ADMIN_URL,
        pg_ok,
        private,
        pg_prev,
    )
    if ext:
        state["postgres"] = {"mode": "external", "url": ext, "started": False}
        log.info(f"==> PostgreSQL: using {ext}")
    else:
        state["postgres"] = privateservers.start_postgres(pg_prev)
        write_json(infra_state_file(), state)  # recorded before Redis can fail

    r_prev = state.get("redis", {})
    ext = _choose("MORTAR_REDIS_ADMIN_URL", DEFAULT_REDIS_ADMIN_URL, redis_ok, private, r_prev)
    if ext:
        state["redis"] = {"mode": "external", "url": ext, "started": False}
        log.info(f"==> Redis: using {ext}")
    else:
        state["redis"] = privateservers.start_redis(r_prev)
    changed = json.dumps(state, sort_keys=True) != before
    # Using only the machine's servers leaves no trace in a home that has none yet.
    if changed and (infra_state_file().exists() or "private" in _modes(state)):
        write_json(infra_state_file(), state)
    return state


def _modes(state: dict[str, Any]) -> set[str]:
    return {state.get(part, {}).get("mode", "external") for part in ("postgres", "redis")}


def up(
    private: bool = False, https: bool | None = None, acme: dict[str, str] | None = None
) -> dict[str, Any]:
    """Bring the stack up (idempotent); returns the recorded state.

    `https` True/False turns HTTPS on/off and is remembered; None keeps what was recorded.
    `acme` (`acme_directory`, `acme_email`, `acme_ca_bundle`; "" forgets one) is remembered
    likewise: certificates then come from that ACME server (`mortar_infra.acme`).
    """
    port = http_port()
    mortar_home().mkdir(parents=True, exist_ok=True)
    state = servers_up(private)
    if https is not None or acme:
        state["https"] = tls.merged_https(state.get("https", {}), https, acme)
        write_json(infra_state_file(), state)  # read by the renderers below
    if tls.https_enabled() and not tls.acme_directory():
        root = tls.ensure_local_ca()
        log.info(f"==> https on 127.0.0.1:{tls.https_port()}; local CA root: {root}")

    log.info(f"==> nginx: config in {nginx.prefix()}, listening on 127.0.0.1:{port}")
    with nginx.config_lock():
        nginx.ensure_layout(port)
        for site in all_sites():  # re-render registered vhosts (the port may have changed)
            if nginx.vhost_path(site.slug).exists():
                nginx.ensure_cert(site)
                write_atomic(nginx.vhost_path(site.slug), nginx.render_vhost(site, "native", port))
        if nginx.running_pid():
            nginx.check_config()
            nginx.reload()
        else:
            nginx.start()
            state["nginx"] = {"started": True}
    state["http_port"] = port
    if tls.https_enabled():
        state["https"]["port"] = tls.https_port()
        if tls.acme_directory():
            log.info(f"==> https: certificates from {tls.acme_directory()} (`site up` issues)")
    write_json(infra_state_file(), state)
    return state


def down() -> None:
    """Stop what `up` started: nginx and any private servers; external servers are left alone."""
    state = read_json(infra_state_file())
    if nginx.stop():
        log.info("==> nginx stopped")
    state.pop("nginx", None)
    if state.get("redis", {}).get("started"):
        privateservers.stop_redis(state["redis"])
        state["redis"]["started"] = False
    if state.get("postgres", {}).get("started"):
        privateservers.stop_postgres(state["postgres"])
        state["postgres"]["started"] = False
    if state:
        write_json(infra_state_file(), state)
