"""Redis keys written by one service and read by the other (docs/contracts.md)."""

from __future__ import annotations

import hashlib

from mortar_contract.hosts import normalise_host, normalise_origin


def generation_key(prefix: str, host: str) -> str:
    """``<prefix>:gen:<host>``: the api INCRs it on a content change, web keys its caches by it."""
    return f"{prefix}:gen:{normalise_host(host)}"


def page_key(
    prefix: str, render_id: str, scheme: str, origin: str, language: str, path: str
) -> str:
    """Web's whole-page entry; every spelling of one origin shares it.

    The origin (normalised host and port) is in the key because the page carries
    absolute URLs; long or non-ASCII paths are hashed.
    """
    if len(path) > 200 or not path.isascii():
        path = "h-" + hashlib.sha256(path.encode()).hexdigest()[:32]
    return (
        f"{prefix}:cache:web:page:{render_id}:{scheme}:{normalise_origin(origin)}:{language}:{path}"
    )
