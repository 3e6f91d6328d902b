"""Template helpers: responsive images from the api's IMAGE objects."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag
def image(
    img: dict[str, Any] | None,
    alt: str = "",
    sizes: str = "100vw",
    css_class: str = "",
    eager: bool = False,
) -> str:
    """`<img>` with srcset from the renditions, intrinsic size (no layout shift) and alt text.

    The api's `alt` wins; `alt` here is the fallback (e.g. a partner's name).
    Decorative images get `alt=""` so screen readers skip them.
    """
    if not img or not img.get("url"):
        return ""
    renditions = sorted(
        (r for r in img.get("renditions") or [] if r.get("url") and r.get("width")),
        key=lambda r: r["width"],
    )
    srcset = ", ".join(f"{r['url']} {int(r['width'])}w" for r in renditions)
    attrs = {
        "src": img["url"],
        "alt": img.get("alt") or alt or "",
        "width": img.get("width") or "",
        "height": img.get("height") or "",
        "srcset": srcset,
        "sizes": sizes if srcset else "",
        "class": css_class,
        "loading": "eager" if eager else "lazy",
        "decoding": "async",
    }
    pairs = [(k, v) for k, v in attrs.items() if v != "" or k == "alt"]
    return format_html("<img{}>", format_html_join("", ' {}="{}"', pairs))
