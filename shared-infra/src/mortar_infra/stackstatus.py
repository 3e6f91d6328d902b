"""`mortar infra status`: each part of the shared stack, and whether it answers now."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mortar_infra import nginx, tls
from mortar_infra.config import (
    http_port,
    infra_state_file,
    mortar_home,
    postgres_admin_url,
    read_json,
    redis_admin_url,
)
from mortar_infra.manifest import all_sites
from mortar_infra.probes import pg_ok, redis_ok, tcp_ok
from mortar_infra.urls import redact


@dataclass
class Component:
    name: str  # nginx | https (with `infra up --https`) | postgres | redis
    mode: str  # native (nginx) | external | private | local-ca, acme (https)
    address: str  # host:port or URL, password redacted
    ok: bool
    detail: str  # pid, server version, or why it does not answer


@dataclass
class KnownSite:
    slug: str
    domains: list[str]
    api_port: int
    web_port: int
    registered: bool
    site_dir: str
    folder: bool  # its folder (mortar.toml) still exists


@dataclass
class StackStatus:
    """`--json` prints these fields in this order; `healthy`: every component answers."""

    home: str
    healthy: bool = field(init=False)
    components: list[Component]
    sites: list[KnownSite]

    def __post_init__(self) -> None:
        self.healthy = all(c.ok for c in self.components)


def stack_status() -> StackStatus:
    state = read_json(infra_state_file())
    port = state.get("http_port") or http_port()
    pid = nginx.running_pid()
    pg_url, r_url = postgres_admin_url(), redis_admin_url()
    components = [
        Component(
            "nginx",
            "native",
            f"127.0.0.1:{port}",
            bool(pid) and tcp_ok(port),
            f"pid {pid}" if pid else "not running",
        ),
        Component(
            "postgres", state.get("postgres", {}).get("mode", "external"), redact(pg_url),
            *pg_ok(pg_url),
        ),
        Component(
            "redis", state.get("redis", {}).get("mode", "external"), redact(r_url),
            *redis_ok(r_url),
        ),
    ]  # fmt: skip
    if tls.https_enabled():
        directory = tls.acme_directory()
        components.insert(
            1,
            Component(
                "https",
                "acme" if directory else "local-ca",
                f"127.0.0.1:{tls.https_port()}",
                bool(pid) and tcp_ok(tls.https_port()),
                directory or f"root {tls.ca_cert_path()}",
            ),
        )
    sites = [
        KnownSite(
            slug=s.slug,
            domains=s.domains,
            api_port=s.api_port,
            web_port=s.web_port,
            registered=nginx.vhost_path(s.slug).exists(),
            site_dir=s.site_dir,
            folder=Path(s.site_dir, "mortar.toml").is_file(),
        )
        for s in all_sites()
    ]
    return StackStatus(home=str(mortar_home()), components=components, sites=sites)
