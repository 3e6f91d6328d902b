"""URL text shared by the CLI's modules: credentials hidden for messages, sites' addresses."""

from __future__ import annotations

from urllib.parse import urlsplit

from mortar_infra import tls
from mortar_infra.config import http_port
from mortar_infra.manifest import Site


def redact(url: str) -> str:
    """`url` with its password replaced by `***`, for messages and status output."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def site_url(domain: str, slug: str | None = None) -> str:
    """Where a visitor reaches `domain` (of site `slug`) through the native nginx: over
    HTTPS when the site is served with a certificate (`infra up --https`)."""
    if slug and tls.https_enabled() and tls.site_cert(slug):
        port = tls.https_port()
        return f"https://{domain}/" if port == 443 else f"https://{domain}:{port}/"
    return f"http://{domain}:{http_port()}/"


def site_urls(site: Site) -> list[str]:
    return [site_url(d, site.slug) for d in site.all_domains]
