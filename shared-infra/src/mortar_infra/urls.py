"""URL text shared by the CLI's modules: credentials hidden for messages, sites' addresses."""

from __future__ import annotations

from urllib.parse import urlsplit

from mortar_infra.config import http_port
from mortar_infra.manifest import Site


def redact(url: str) -> str:
    """`url` with its password replaced by `***`, for messages and status output."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def site_url(domain: str) -> str:
    """Where a visitor reaches `domain` through the native nginx."""
    return f"http://{domain}:{http_port()}/"


def site_urls(site: Site) -> list[str]:
    return [site_url(d) for d in site.all_domains]
