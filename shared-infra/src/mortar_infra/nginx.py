"""nginx config for the shared stack: render, check (`nginx -t`), reload, roll back.

Native mode: nginx runs as a user process with prefix `$MORTAR_HOME/nginx/`
(`nginx.conf`, `sites/<slug>.conf`, `logs/`, `tmp/`, `run/nginx.pid`).
Compose mode: the same templates rendered for the official image
(`/etc/nginx/nginx.conf`, `/etc/nginx/sites/`), upstreams `<slug-dns>-api:8000` /
`<slug-dns>-web:3000` resolved per request through Docker's DNS (127.0.0.11).

Every change goes through `apply_vhost`: write the new file, `nginx -t` the
whole config, reload if nginx runs; on a failed check the previous file is
restored and `NginxError` carries nginx's own message.
"""

from __future__ import annotations

import fcntl
import grp
import hashlib
import logging
import math
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined

from mortar_infra import sitefiles, tls
from mortar_infra.config import (
    MortarError,
    UsageError,
    client_max_body_size,
    http_port,
    mortar_home,
    nginx_bin,
    write_atomic,
)
from mortar_infra.envfile import read_env
from mortar_infra.manifest import LIMITS, Site, all_sites
from mortar_infra.polling import wait_until
from mortar_infra.tls import Cert

log = logging.getLogger(__name__)
Mode = Literal["native", "compose"]
COMPOSE_CONF_DIR = "/etc/nginx"

_env = Environment(
    loader=PackageLoader("mortar_infra", "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    # nginx config, not HTML: every value is validated before it gets here.
    autoescape=False,  # noqa: S701
)


# What the edge sends where a site sends no policy of its own (docs/shared-infra.md).
# Scripts only from the site (no inline script, no eval); inline styles are allowed (the
# admin's widgets write style attributes; a style cannot run code). Images and media may
# come from a bucket over https.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; media-src 'self' https:; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)
# The admin's pages carry one inline script, the import map of its editors (django-js-asset):
# the edge gives it a fresh nonce per request ($request_id, 128 random bits) and allows
# exactly that nonce; everything else as above.
ADMIN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self';", "script-src 'self' 'nonce-$request_id';"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)


class NginxError(MortarError):
    """nginx rejected a config or could not be (re)started."""


def prefix() -> Path:
    return mortar_home() / "nginx"


def conf_path() -> Path:
    return prefix() / "nginx.conf"


def sites_dir() -> Path:
    return prefix() / "sites"


def vhost_path(slug: str) -> Path:
    return sites_dir() / f"{slug}.conf"


def pid_path() -> Path:
    return prefix() / "run" / "nginx.pid"


def error_log() -> Path:
    return prefix() / "logs" / "error.log"


# As root, nginx's workers run as `nobody`, who cannot enter root's 0700 home: request
# bodies over 16 KB and large upstream answers, which nginx buffers in temp files, would fail
# with a 500. Root's temp files therefore go where the workers can reach them.
NGINX_TEMP_FALLBACK_ROOT = Path("/var/lib/mortar")


def temp_dir() -> Path:
    """Where native nginx buffers bodies: `<prefix>/temp`, or as root a folder under
    `/var/lib/mortar` (0755; nginx creates its temp folders in it owned by the workers)."""
    if os.geteuid() != 0:
        return prefix() / "temp"
    key = hashlib.sha256(str(prefix().absolute()).encode()).hexdigest()[:12]
    return NGINX_TEMP_FALLBACK_ROOT / f"nginx-{key}"


def worker_user() -> str | None:
    """The `user` line for a root master (nginx's compiled-in default group may not exist)."""
    if os.geteuid() != 0:
        return None
    try:
        grp.getgrnam("nogroup")
        return "nobody nogroup"
    except KeyError:
        return "nobody nobody"


def _listen(mode: Mode, port: int | None) -> str:
    return "80" if mode == "compose" else f"127.0.0.1:{port or http_port()}"


def _https_listen(mode: Mode) -> str:
    return "443" if mode == "compose" else f"127.0.0.1:{tls.https_port()}"


def acme_webroot() -> Path:
    """Where certbot writes HTTP-01 challenges and nginx reads them (`/.well-known/
    acme-challenge/`): beside the temp files, a folder nginx's workers can enter as root."""
    return temp_dir() / "acme"


# Inside the Compose nginx: the host's `acme_webroot()` (compose.yml mounts
# MORTAR_ACME_WEBROOT, which `compose-init` sets to it), so certbot on the host answers
# challenges through the container.
COMPOSE_ACME_WEBROOT = "/srv/acme"


def compose_cert(slug: str) -> Cert:
    """Where a site's certificate is inside the Compose nginx (`render_all` copies it to
    `<out>/tls/<slug>/`, mounted at /etc/nginx/tls)."""
    d = Path(COMPOSE_CONF_DIR) / "tls" / slug
    return Cert(d / "fullchain.pem", d / "privkey.pem", "local")


def _tls_context(site: Site, mode: Mode) -> dict[str, Any] | None:
    """The vhost's TLS server (None: HTTP only): HTTPS is on and the site has a certificate;
    `names` are the site's domains it names (the others stay on HTTP until it does)."""
    if not tls.https_enabled():
        return None
    cert = tls.site_cert(site.slug)
    if cert is None:
        return None
    named = set(tls.cert_domains_of(cert.fullchain))
    names = [d for d in site.all_domains if d in named]
    if not names:
        return None
    where = cert if mode == "native" else compose_cert(site.slug)
    port = tls.https_port()
    return {
        "listen": _https_listen(mode),
        "cert": str(where.fullchain),
        "key": str(where.key),
        "hsts": cert.source == "acme",  # a real CA's certificate, not the local one
        "port_suffix": "" if port == 443 else f":{port}",
        "names": names,
    }


def render_main(mode: Mode = "native", port: int | None = None, conf_dir: str | None = None) -> str:
    """The main nginx.conf; `conf_dir` overrides where compose-mode paths point (for tests)."""
    if mode == "native":
        p = str(prefix())
        ctx = {
            "pid_path": f"{p}/run/nginx.pid",
            "log_dir": f"{p}/logs",
            "temp_dir": str(temp_dir()),
            "sites_dir": f"{p}/sites",
            "cache_dir": f"{temp_dir()}/cache",
            "resolver": None,
            "worker_user": worker_user(),
        }
    else:
        d = conf_dir or COMPOSE_CONF_DIR
        ctx = {
            "pid_path": "/var/run/nginx.pid" if conf_dir is None else f"{d}/nginx.pid",
            "log_dir": "/var/log/nginx" if conf_dir is None else f"{d}/logs",
            "temp_dir": None if conf_dir is None else f"{d}/temp",
            "sites_dir": f"{d}/sites",
            "cache_dir": "/var/cache/nginx/mortar" if conf_dir is None else f"{d}/cache",
            "resolver": "127.0.0.11",
            "worker_user": None,
        }
    https = {"listen": _https_listen(mode)} if tls.https_enabled() else None
    return _env.get_template("nginx.conf.j2").render(
        mode=mode,
        https=https,
        csp=CONTENT_SECURITY_POLICY,
        admin_csp=ADMIN_CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        listen=_listen(mode, port),
        client_max_body_size=client_max_body_size(),
        **ctx,
    )


def render_vhost(
    site: Site, mode: Mode = "native", port: int | None = None, log_dir: str | None = None
) -> str:
    if mode == "native":
        api, web = f"127.0.0.1:{site.api_port}", f"127.0.0.1:{site.web_port}"
        log_dir = log_dir or str(prefix() / "logs")
    else:
        api, web = f"{site.dns_name}-api:8000", f"{site.dns_name}-web:3000"
        log_dir = log_dir or "/var/log/nginx"
    env = read_env(site.env_path) if site.site_dir and site.env_path.is_file() else {}
    if not site.site_dir:  # a remembered record without its folder: nothing on disk
        files = sitefiles.SiteFiles(static=None, assets=None, media=None)
    elif mode == "native":
        files = sitefiles.native_files(Path(site.site_dir), site.state_dir, env)
    else:
        files = sitefiles.compose_files(site.dns_name, env)
    disk = [
        (prefix, root, fallback)
        for prefix, root, fallback in (
            ("/static/", files.static, "mortar_api"),
            ("/assets/", files.assets, "mortar_web"),
            ("/media/", files.media, "mortar_api"),
        )
        if root
    ]
    tls_ctx = _tls_context(site, mode)
    media_hosts: dict[str, list[str]] = {}
    if files.media:
        for domain in site.all_domains:
            schema = site.schema_of(domain)
            if _SCHEMA_RE.fullmatch(schema):  # else its media stays unreachable (404)
                media_hosts.setdefault(schema, []).append(re.escape(domain))
    return _env.get_template("vhost.conf.j2").render(
        site=site,
        disk=disk,
        media_hosts=media_hosts,
        limits=limits(site),
        contact_path=contact_path(env),
        listen=_listen(mode, port),
        tls=tls_ctx,
        servers=_servers(site, tls_ctx),
        webroot=_webroot(mode),
        api=api,
        web=web,
        log_dir=log_dir,
        client_max_body_size=site.client_max_body_size,
        read_timeout=site.read_timeout,
    )


def _webroot(mode: Mode) -> str | None:
    if not tls.https_enabled():
        return None
    return str(acme_webroot()) if mode == "native" else COMPOSE_ACME_WEBROOT


def _servers(site: Site, tls_ctx: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The site's full servers: TLS for the names its certificate covers, HTTP for the rest."""
    if tls_ctx is None:
        return [{"tls": None, "names": site.all_domains}]
    rest = [d for d in site.all_domains if d not in tls_ctx["names"]]
    return [{"tls": tls_ctx, "names": tls_ctx["names"]}] + (
        [{"tls": None, "names": rest}] if rest else []
    )


# Per limit: what is counted (login and contact: POSTs only) and the burst allowed at once.
_LIMIT_KEYS = {"login": "$mortar_post_addr", "contact": "$mortar_post_addr"}
_BURSTS = {"login": 10, "contact": 10}
_SCHEMA_RE = re.compile(r"[A-Za-z0-9_]{1,63}")
_CONTACT_RE = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")


def limits(site: Site) -> dict[str, dict[str, str | int]]:
    """The site's request limits (`LIMITS` overridden by its manifest), "off" ones left out."""
    out: dict[str, dict[str, str | int]] = {}
    for name, rate in (LIMITS | site.limits).items():
        if rate == "off":
            continue
        per = int(rate.split("r/")[0])
        seconds = 60 if rate.endswith("/m") else 1
        out[name] = {
            "zone": f"mortar_{site.slug}_{name}",
            "key": _LIMIT_KEYS.get(name, "$binary_remote_addr"),
            "rate": rate,
            # site-wide: two seconds' worth at once (a page and its files), at least 20
            "burst": _BURSTS.get(name, max(20, 2 * per * (1 if seconds == 1 else 0))),
            "retry_after": max(1, math.ceil(seconds / per)),
        }
    return out


def contact_path(env: dict[str, str]) -> str:
    """web's contact page path (`MORTAR_WEB_CONTACT_PATH`), as a safe regex fragment."""
    path = env.get("MORTAR_WEB_CONTACT_PATH", "contact").strip("/")
    return path if _CONTACT_RE.match(path) else "contact"


def ensure_layout(port: int | None = None) -> None:
    """Create the native prefix and (re)write the main config."""
    for sub in ("sites", "logs", "run"):
        (prefix() / sub).mkdir(parents=True, exist_ok=True)
    temp_dir().parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    temp_dir().mkdir(mode=0o755, exist_ok=True)
    if tls.https_enabled():
        acme_webroot().mkdir(mode=0o755, exist_ok=True)
    write_atomic(conf_path(), render_main("native", port))


def _nginx(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [nginx_bin(), "-p", f"{prefix()}/", "-c", str(conf_path()), "-e", str(error_log())]
    try:
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise NginxError(
            f"nginx not found ({nginx_bin()}); install it: apt-get install nginx"
        ) from None


def _first_problem(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if "[emerg]" in ln or "[crit]" in ln or "[alert]" in ln:
            return ln.removeprefix("nginx: ")
    return lines[-1].removeprefix("nginx: ") if lines else "unknown nginx error"


def check_config() -> None:
    """`nginx -t` on the whole config; `NginxError` with nginx's message if it fails."""
    log.debug(f"nginx -t ({conf_path()})")
    res = _nginx("-t", "-q")
    if res.returncode != 0:
        raise NginxError(f"nginx -t failed: {_first_problem(res.stderr)}")


def running_pid() -> int | None:
    try:
        pid = int(pid_path().read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    # A recycled pid that is not *this* home's nginx master does not count (its title
    # carries the original command line, prefix included).
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        if "nginx" not in title or str(prefix()) not in title:
            return None
    except FileNotFoundError:
        return None
    return pid


def _children(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


def reload(timeout: float = 10.0) -> bool:
    """Gracefully reload a running nginx and wait until new workers serve; False if not running."""
    pid = running_pid()
    if pid is None:
        return False
    old = _children(pid)
    log.debug(f"nginx reload (SIGHUP to pid {pid})")
    os.kill(pid, signal.SIGHUP)

    # Live once new workers exist and every old one has stopped accepting
    # (exited, or retitled "worker process is shutting down").
    def live() -> bool:
        return bool(_children(pid) - old) and all(_retired(w) for w in old)

    if wait_until(live, timeout, 0.01, "nginx reload"):
        return True
    raise NginxError(f"nginx (pid {pid}) did not apply the new config; see {error_log()}")


def _retired(worker: int) -> bool:
    try:
        title = Path(f"/proc/{worker}/cmdline").read_bytes().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return True
    return "shutting down" in title or "worker" not in title


def start() -> int:
    """Start nginx (daemonised); returns the master pid. Idempotent."""
    pid = running_pid()
    if pid:
        return pid
    check_config()
    res = _nginx()
    if res.returncode != 0:
        raise NginxError(f"nginx did not start: {_first_problem(res.stderr)}")
    pid = wait_until(running_pid, 10, 0.05, "nginx start")
    if pid:
        return pid
    raise NginxError(f"nginx did not write {pid_path()}; see {error_log()}")


def stop(timeout: float = 10.0) -> bool:
    """Stop nginx (graceful QUIT, then TERM); False if it was not running."""
    pid = running_pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGQUIT)
    if not wait_until(lambda: running_pid() is None, timeout, 0.05, "nginx stop"):
        os.kill(pid, signal.SIGTERM)
    return True


@contextmanager
def config_lock() -> Iterator[None]:
    prefix().mkdir(parents=True, exist_ok=True)
    with open(prefix() / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def apply_vhost(slug: str, text: str | None) -> bool:
    """Install (or with None remove) a site's vhost, check, reload; roll back on failure.

    Returns True when a running nginx was reloaded, False when nginx is not running
    (the checked file is left for the next `infra up`).
    """
    with config_lock():
        if not conf_path().exists():
            ensure_layout()
        path = vhost_path(slug)
        previous = path.read_text() if path.exists() else None
        if text is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, text)
        try:
            check_config()
        except NginxError:
            _restore(path, previous)
            raise
        try:
            return reload()
        except NginxError:
            _restore(path, previous)
            reload()
            raise


def _restore(path: Path, previous: str | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, previous)


def register(site: Site) -> bool:
    """Write and activate `site`'s native vhost (see `apply_vhost`).

    A domain another registered site already serves is refused (`UsageError`):
    nginx would only warn and silently keep routing it to the first site.
    """
    mine = set(site.all_domains)
    for other in all_sites():
        if other.slug != site.slug and vhost_path(other.slug).exists():
            taken = sorted(mine & set(other.all_domains))
            if taken:
                raise UsageError(f"domain {taken[0]} is already served by site {other.slug}")
    ensure_cert(site)
    return apply_vhost(site.slug, render_vhost(site, "native"))


def ensure_cert(site: Site) -> None:
    """With HTTPS on, a site without a certificate from ACME gets (or keeps) one from the
    local CA covering all its domains; with ACME configured, nothing here (`acme` issues)."""
    if not tls.https_enabled() or tls.acme_directory():
        return
    current = tls.site_cert(site.slug)
    if current is None or current.source == "local":
        tls.ensure_local_cert(site.slug, site.all_domains)


def unregister(slug: str) -> bool:
    """Remove `slug`'s vhost and reload (see `apply_vhost`)."""
    return apply_vhost(slug, None)


def route(site: Site) -> None:
    """`register`, with the progress line `site up` and `tenant add` print."""
    note = "" if register(site) else " (not running)"
    log.info(f"==> nginx routes {' '.join(site.all_domains)}{note}")


def unroute(site: Site) -> bool:
    """`unregister` a routed site, with its progress line; False if it was not routed."""
    if not vhost_path(site.slug).exists():
        return False
    unregister(site.slug)
    log.info(f"==> nginx no longer routes {' '.join(site.all_domains)}")
    return True


def render_all(mode: Mode, out_dir: Path, sites: list[Site], port: int | None = None) -> list[Path]:
    """Write nginx.conf + sites/<slug>.conf for `sites` into `out_dir` (compose or native)."""
    written = []
    (out_dir / "sites").mkdir(parents=True, exist_ok=True)
    if mode == "compose":
        (out_dir / "tls").mkdir(exist_ok=True)  # mounted by compose.yml, even when empty
    main = out_dir / "nginx.conf"
    write_atomic(main, render_main(mode, port))
    written.append(main)
    keep = {f"{s.slug}.conf" for s in sites}
    for old in (out_dir / "sites").glob("*.conf"):
        if old.name not in keep:
            old.unlink()
    for s in sites:
        p = out_dir / "sites" / f"{s.slug}.conf"
        write_atomic(p, render_vhost(s, mode, port))
        written.append(p)
        cert = tls.site_cert(s.slug) if mode == "compose" and tls.https_enabled() else None
        if cert:  # the container reads it from <out>/tls (mounted at /etc/nginx/tls)
            dest = out_dir / "tls" / s.slug
            write_atomic(dest / "fullchain.pem", cert.fullchain.read_text())
            write_atomic(dest / "privkey.pem", cert.key.read_text(), mode=0o600)
            written.append(dest / "fullchain.pem")
    return written
