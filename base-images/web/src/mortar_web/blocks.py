"""Which template renders each content block type from the api's page `blocks`.

Built-in types render `mortar_web/blocks/<type>.html` (a site restyles one by shipping a
template of that name). A site adds a type the api knows (registered there with
`mortar_api.cms.blocks.register`) from its AppConfig.ready()::

    from mortar_web import blocks

    blocks.register("map", "mysite/blocks/map.html")

`prepare(value, language)` may turn the api's value into what the template needs (the
built-in cta localises its internal link, video builds its privacy-friendly embed URL).
A type with no template registered is skipped and logged, never a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mortar_web import routing

log = logging.getLogger(__name__)
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
Prepare = Callable[[dict[str, Any], str], dict[str, Any] | None]


@dataclass(frozen=True)
class BlockTemplate:
    template: str
    prepare: Prepare | None = None


_REGISTRY: dict[str, BlockTemplate] = {}


def register(name: str, template: str | None = None, prepare: Prepare | None = None) -> None:
    """Render blocks of type `name` with `template` (default `mortar_web/blocks/<name>.html`)."""
    if not NAME.match(name):
        raise ValueError(f"Block type name {name!r} must match {NAME.pattern}")
    _REGISTRY[name] = BlockTemplate(template or f"mortar_web/blocks/{name}.html", prepare)


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def get(name: Any) -> BlockTemplate | None:
    return _REGISTRY.get(name) if isinstance(name, str) else None


def _cta(value: dict[str, Any], language: str) -> dict[str, Any] | None:
    url = str(value.get("url") or "")
    if not url or not value.get("label"):
        return None
    return {**value, "href": url if value.get("is_external") else routing.localise(url, language)}


def _video(value: dict[str, Any], language: str) -> dict[str, Any] | None:
    """Embeds that set no tracking cookies until played: youtube-nocookie, Vimeo's dnt=1."""
    video_id = quote(str(value.get("video_id") or ""), safe="")
    provider = value.get("provider")
    if not video_id or provider not in ("youtube", "vimeo"):
        return None
    if provider == "youtube":
        embed = f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1&rel=0"
        watch = f"https://www.youtube.com/watch?v={video_id}"
    else:
        embed = f"https://player.vimeo.com/video/{video_id}?dnt=1&autoplay=1"
        watch = f"https://vimeo.com/{video_id}"
    return {**value, "embed_url": embed, "watch_url": watch}


for _name in ("rich_text", "image", "gallery", "quote", "columns"):
    register(_name)
register("cta", prepare=_cta)
register("video", prepare=_video)
