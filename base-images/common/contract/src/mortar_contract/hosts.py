"""Host names as both services key them: one spelling per site domain."""

from __future__ import annotations


def split_host(raw: str) -> tuple[str, str]:
    """``"Acme.localhost:8080"`` -> ``("Acme.localhost", "8080")``; IPv6 literals kept whole."""
    raw = raw.strip()
    if raw.startswith("["):  # [::1]:8080
        literal, _, rest = raw.partition("]")
        return literal + "]", rest.removeprefix(":")
    if raw.count(":") == 1:
        host, _, port = raw.partition(":")
        return host, port
    return raw, ""


def normalise_host(raw: str) -> str:
    """The contract's host: lower case, no port, no trailing dot, IDN as punycode.

    ``"DEMO.localhost.:8080"`` -> ``"demo.localhost"``; ``"Bücher.example"`` ->
    ``"xn--bcher-kva.example"``. A name the IDNA codec refuses stays lower-cased (it
    matches no tenant, which is the right answer for it).
    """
    host, _ = split_host(raw)
    host = host.lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").rstrip(".")
        except UnicodeError:
            pass
    return host


def normalise_origin(raw: str) -> str:
    """The normalised host plus the port the visitor gave: what absolute URLs are built on.

    A port is part of the origin (other absolute URLs), so it stays; every other spelling
    difference (case, trailing dot, IDN) goes.
    """
    _, port = split_host(raw)
    host = normalise_host(raw)
    return f"{host}:{port}" if port.isdigit() else host
