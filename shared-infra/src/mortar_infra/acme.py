"""Certificates from an ACME CA (Let's Encrypt, Pebble, step-ca...) through certbot.

HTTP-01 with certbot's webroot plugin: certbot writes the challenge into
`nginx.acme_webroot()`, which every site's plain-HTTP vhost serves at
`/.well-known/acme-challenge/`. One certificate per site (certbot's `--cert-name <slug>`)
covering all its domains; certbot keeps its account, lineages and logs under
`$MORTAR_HOME/tls/certbot/`, and the current pair is copied to `$MORTAR_HOME/tls/acme/<slug>/`,
which nginx serves (`tls.site_cert`). A CA that cannot be reached, or refuses, leaves the
site as it was (HTTP only, or its previous certificate) with one status line; the vhost is
only re-rendered once a certificate is in place.

certbot is the expected tool (the issue asks for no hand-written ACME): maintained by the
EFF, packaged by Debian, it handles accounts, orders, challenges, retries and renewals.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass

from mortar_infra import nginx, tls
from mortar_infra.config import MortarError, write_atomic
from mortar_infra.manifest import Site

log = logging.getLogger(__name__)
CERTBOT_TIMEOUT = 300  # seconds for one issuance, however slow the CA


@dataclass(frozen=True)
class Outcome:
    """What `secure` did for one site: "issued", "renewed", "kept", "failed" or "off"."""

    slug: str
    state: str
    detail: str


def certbot_bin() -> str:
    return os.environ.get("MORTAR_CERTBOT") or shutil.which("certbot") or "/usr/bin/certbot"


def certbot_dir() -> str:
    return str(tls.tls_dir() / "certbot")


def _certbot_env() -> dict[str, str]:
    env = dict(os.environ)
    bundle = tls.acme_ca_bundle()
    if bundle:  # a private CA's ACME server (Pebble, step-ca): trust its TLS certificate
        env["REQUESTS_CA_BUNDLE"] = bundle
    return env


def _certbot(site: Site, directory: str, force: bool) -> subprocess.CompletedProcess[str]:
    d = certbot_dir()
    email = tls.acme_email()
    cmd = [
        certbot_bin(),
        "certonly",
        "--non-interactive",
        "--agree-tos",
        *(["--email", email, "--no-eff-email"] if email else ["--register-unsafely-without-email"]),
        "--server",
        directory,
        "--webroot",
        "--webroot-path",
        str(nginx.acme_webroot()),
        "--cert-name",
        site.slug,
        "--key-type",
        "ecdsa",
        "--config-dir",
        f"{d}/config",
        "--work-dir",
        f"{d}/work",
        "--logs-dir",
        f"{d}/logs",
        "--force-renewal" if force else "--keep-until-expiring",
    ]
    for domain in site.all_domains:
        cmd += ["-d", domain]
    log.debug(f"acme: {' '.join(cmd)}")
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=CERTBOT_TIMEOUT, env=_certbot_env()
        )
    except FileNotFoundError:
        raise MortarError(
            f"certbot not found ({certbot_bin()}); install it: apt-get install certbot"
        ) from None
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 1, "", f"no answer within {CERTBOT_TIMEOUT} s")


def _why(res: subprocess.CompletedProcess[str]) -> str:
    """certbot's own reason, one line (it prints hints and a log path around it)."""
    lines = [ln.strip() for ln in (res.stderr + res.stdout).splitlines() if ln.strip()]
    for marker in ("Detail:", "Error", "error", "Failed", "failed"):
        for ln in lines:
            if marker in ln and "log" not in ln.lower():
                return ln
    return lines[-1] if lines else f"certbot exited {res.returncode}"


def secure(site: Site, force: bool = False) -> Outcome:
    """Issue or renew `site`'s certificate (when HTTPS is on and an ACME server is set),
    put it where nginx reads it and reload; a failure changes nothing served."""
    directory = tls.acme_directory()
    if not (tls.https_enabled() and directory):
        return Outcome(site.slug, "off", "no ACME server set")
    live = tls.tls_dir() / "certbot" / "config" / "live" / site.slug
    before = (live / "cert.pem").read_bytes() if (live / "cert.pem").is_file() else None
    res = _certbot(site, directory, force)
    if res.returncode != 0 or not (live / "fullchain.pem").is_file():
        served = "HTTPS with its previous certificate" if tls.site_cert(site.slug) else "HTTP"
        out = Outcome(site.slug, "failed", f"{_why(res)}; the site stays on {served}")
        log.info(f"==> https {site.slug}: no certificate from {directory}: {out.detail}")
        return out
    new = (live / "cert.pem").read_bytes()
    if new == before and tls.site_cert(site.slug):
        return Outcome(site.slug, "kept", f"valid until {tls.not_after(live / 'cert.pem')}")
    dest = tls.acme_dir(site.slug)
    write_atomic(dest / "privkey.pem", (live / "privkey.pem").read_text(), mode=0o600)
    write_atomic(dest / "fullchain.pem", (live / "fullchain.pem").read_text())
    nginx.register(site)  # the TLS vhost with the new pair; graceful reload
    state = "renewed" if before else "issued"
    until = tls.not_after(dest / "fullchain.pem")
    log.info(f"==> https {site.slug}: certificate {state} by {directory}, valid until {until}")
    return Outcome(site.slug, state, f"valid until {until}")
