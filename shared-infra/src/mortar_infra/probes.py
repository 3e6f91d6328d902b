"""Is it answering? PostgreSQL, Redis, a TCP port, a site's `/health/` - and waiting for
a site's processes to answer after a start."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.request

import psycopg
import redis

from mortar_infra import procs, tls
from mortar_infra.config import MortarError, http_port
from mortar_infra.manifest import Site
from mortar_infra.polling import wait_until


def pg_ok(url: str) -> tuple[bool, str]:
    """(answers, server version or the first line of the error)."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return True, f"PostgreSQL {row[0] if row else '?'}"
    except psycopg.Error as exc:
        return False, (str(exc).strip().splitlines() or [repr(exc)])[0]


def redis_ok(url: str) -> tuple[bool, str]:
    """(answers, server version or the error)."""
    try:
        r = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        r.ping()
        return True, f"Redis {r.info('server').get('redis_version', '?')}"
    except redis.RedisError as exc:
        return False, str(exc) or repr(exc)


def tcp_ok(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def http_get(url: str, host: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    """(status, body) of a GET on a loopback URL; status 0 when nothing answers."""
    req = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback URLs
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def edge_health(site: Site) -> int:
    """The status of the site's `/health/` through the shared nginx: over HTTPS (its first
    domain as the TLS name) when it is served with a certificate, else over HTTP."""
    host = site.domains[0]
    if not (tls.https_enabled() and tls.site_cert(site.slug)):
        return http_get(f"http://127.0.0.1:{http_port()}/health/", host=host)[0]
    # Routing is checked here, not trust (an ACME test CA's root is nowhere in the system).
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", tls.https_port(), timeout=5, context=ctx)
    try:
        # SNI is the connect host: wrap by hand so the site's name is sent
        conn.sock = ctx.wrap_socket(
            socket.create_connection(("127.0.0.1", tls.https_port()), 5), server_hostname=host
        )
        conn.request("GET", "/health/", headers={"Host": f"{host}:{tls.https_port()}"})
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def site_health(site: Site) -> dict[str, bool]:
    """Whether the site's api and web answer 200 on `/health/`."""
    return {
        "api": http_get(f"http://127.0.0.1:{site.api_port}/health/")[0] == 200,
        "web": http_get(f"http://127.0.0.1:{site.web_port}/health/")[0] == 200,
    }


def wait_healthy(site: Site, timeout: float, roles: tuple[str, ...] = procs.ROLES) -> None:
    """Wait until `roles` answer; a `MortarError` with their last log lines when one exits
    or the time is up."""

    def healthy() -> bool:  # a role that died will not become healthy: say so at once
        dead = [r for r, pid in procs.status(site).items() if pid is None and r in roles]
        if dead:
            raise MortarError(
                f"{site.slug}: {', '.join(dead)} exited at start{procs.log_tails(site, dead)}"
            )
        return all(ok for r, ok in site_health(site).items() if r in roles)

    if wait_until(healthy, timeout, 0.5, f"{site.slug} healthy"):
        return
    bad = [r for r, ok in site_health(site).items() if not ok and r in roles]
    raise MortarError(
        f"{site.slug}: {', '.join(bad)} not healthy after {timeout:.0f}s"
        f"{procs.log_tails(site, bad)}"
    )
