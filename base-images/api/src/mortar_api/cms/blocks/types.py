"""What a block type is, and the built-in ones (rich text, image, gallery, cta, quote,
video, columns).

A block is stored as ``{"type": "<name>", "value": {...}}`` (plus an optional ``"id"`` the
admin sets so a block keeps its identity while reordered). Each type describes its value
with a JSON Schema (the OpenAPI 3.0 subset: no ``const``, no ``null`` types), which is both
what the editor API documents and what ``validation`` checks, so the two cannot drift.
Checks a schema cannot express (an asset or page exists in this tenant) are ``references``;
``resolve`` turns a stored value into the public API's shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# JSON Schema and Python read this the same way: no NUL (PostgreSQL's jsonb refuses it).
# Patterns use explicit ranges, not \\s (ECMA 262 and Python disagree on a few spaces);
# ``validation`` reads a final ``$`` the ECMA way (no newline before it).
NO_NUL = "^[^\\u0000]*$"
TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def text(max_length: int, min_length: int = 0) -> dict:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": NO_NUL}
    if min_length:
        schema["minLength"] = min_length
    return schema


def obj(properties: dict, required: tuple[str, ...] = (), **extra: Any) -> dict:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        **extra,
    }
    if required:
        schema["required"] = list(required)
    return schema


ASSET_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1, "description": "media asset id"}
PAGE_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1, "description": "page id"}
# Where a call to action may lead: http(s), a site path, mailto:/tel:. Never javascript:/data:.
LINK_URL = {
    "type": "string",
    "maxLength": 500,
    "pattern": "^(https?://[^\\u0000-\\u0020\\u007f/?#]+|/|mailto:|tel:)[^\\u0000-\\u0020\\u007f]*$",
    "description": "http(s):// URL, a path starting with /, mailto: or tel:",
}
_YT_ID = "[A-Za-z0-9_-]{11}"
VIDEO_URL_PATTERN = (
    "^https://(?:(?:www\\.|m\\.)?youtube\\.com/(?:watch\\?v=|embed/|shorts/)" + _YT_ID
    + "|youtu\\.be/" + _YT_ID
    + "|(?:www\\.)?vimeo\\.com/[0-9]{1,12}|player\\.vimeo\\.com/video/[0-9]{1,12})"
    "(?:[?&#][^\\u0000-\\u0020\\u007f]*)?$"
)  # fmt: skip
VIDEO_URL = {
    "type": "string",
    "maxLength": 500,
    "pattern": VIDEO_URL_PATTERN,
    "description": "a YouTube or Vimeo video URL (https)",
}


@dataclass
class Refs:
    """What ``references`` found: objects of this tenant, by id (filled in bulk)."""

    assets: dict[int, Any] = field(default_factory=dict)
    pages: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BlockType:
    """One kind of block. Register a site's own with ``mortar_api.cms.blocks.register``.

    - ``name``: the stored ``type`` (``[a-z][a-z0-9_]*``);
    - ``schema``: JSON Schema of ``value`` (OpenAPI 3.0 subset, ``additionalProperties:
      false`` advised so a typo is refused);
    - ``label``: shown in the admin's "Add block" menu;
    - ``asset_fields`` / ``page_fields``: keys of ``value`` holding a media asset / page id
      (checked to exist in the tenant; ``"images[].image"`` reaches into a list);
    - ``resolve(value, refs)``: the public API's value, or None to leave the block out
      (its image was deleted...); default: the value as stored;
    - ``children``: keys of ``value`` that are lists of nested blocks (``columns``);
    - ``nestable``: whether it may sit inside such a list;
    - ``sanitise(value)``: cleans a valid value before it is stored (rich text's HTML).
    """

    name: str
    schema: dict
    label: str = ""
    asset_fields: tuple[str, ...] = ()
    page_fields: tuple[str, ...] = ()
    resolve: Callable[[dict, Refs], dict | None] | None = None
    children: tuple[str, ...] = ()
    nestable: bool = True
    sanitise: Callable[[dict], dict] | None = None
    messages: dict[str, str] = field(default_factory=dict)  # key -> message when it mismatches

    def __post_init__(self) -> None:
        if not TYPE_NAME.match(self.name):
            raise ValueError(f"Block type name {self.name!r} must match {TYPE_NAME.pattern}")


def ids_at(value: Any, spec: str, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) at ``spec`` ("image", "images[].image") in a block's value."""
    head, _, rest = spec.partition(".")
    if head.endswith("[]"):
        items = value.get(head[:-2]) if isinstance(value, dict) else None
        return [
            found
            for i, item in enumerate(items if isinstance(items, list) else [])
            for found in ids_at(item, rest, f"{path}.{head[:-2]}[{i}]")
        ]
    found = value.get(head) if isinstance(value, dict) else None
    if rest:
        return ids_at(found, rest, f"{path}.{head}")
    return [] if found is None else [(f"{path}.{head}", found)]


# --- built-in types -------------------------------------------------------------------


def _sanitise_rich_text(value: dict) -> dict:
    from ..html import sanitise_html

    return {**value, "html": sanitise_html(value.get("html"))}


def _image_out(ref: dict, refs: Refs) -> dict | None:
    from mortar_api.media.serializers import image_data

    asset = refs.assets.get(ref.get("image"))
    data = image_data(asset)
    if data is None:
        return None  # deleted since: the block (or gallery item) is left out
    if ref.get("alt"):
        data["alt"] = ref["alt"]
    return {"image": data, "caption": ref.get("caption", "")}


def _resolve_gallery(value: dict, refs: Refs) -> dict | None:
    images = [x for x in (_image_out(i, refs) for i in value.get("images", [])) if x]
    return {"images": images} if images else None


def _resolve_cta(value: dict, refs: Refs) -> dict | None:
    from ..public import page_url

    if "page" in value:
        page = refs.pages.get(value["page"])
        if page is None or not page.is_published:
            return None  # a call to a draft or deleted page is not shown
        url, external = ("/" if page.is_home else page_url(page.path)), False
    else:
        url = value["url"]
        external = not url.startswith("/")
    return {"label": value["label"], "url": url, "is_external": external, "page": value.get("page")}


_YT = re.compile(r"(?:v=|embed/|shorts/|youtu\.be/)(" + _YT_ID + ")")
_VIMEO = re.compile(r"vimeo\.com/(?:video/)?([0-9]+)")


def _resolve_video(value: dict, refs: Refs) -> dict | None:
    url = value["url"]
    if "vimeo.com" in url.split("?", 1)[0]:
        provider, match = "vimeo", _VIMEO.search(url)
    else:
        provider, match = "youtube", _YT.search(url)
    if match is None:  # cannot happen for a valid value (the pattern requires an id)
        return None
    return {
        "provider": provider,
        "video_id": match.group(1),
        "url": url,
        "caption": value.get("caption", ""),
    }


IMAGE_REF = {"image": ASSET_ID, "caption": text(300), "alt": text(300)}
LINK_MESSAGE = "Give an http(s):// URL, a path starting with /, mailto: or tel:."

RICH_TEXT = BlockType(
    "rich_text",
    obj({"html": text(100_000)}, ("html",)),
    label="Rich text",
    sanitise=_sanitise_rich_text,
)
IMAGE = BlockType(
    "image",
    obj(IMAGE_REF, ("image",)),
    label="Image",
    asset_fields=("image",),
    resolve=_image_out,
)
GALLERY_IMAGES = {
    "type": "array",
    "minItems": 1,
    "maxItems": 50,
    "items": obj(IMAGE_REF, ("image",)),
}
GALLERY = BlockType(
    "gallery",
    obj({"images": GALLERY_IMAGES}, ("images",)),
    label="Gallery",
    asset_fields=("images[].image",),
    resolve=_resolve_gallery,
)
CTA = BlockType(
    "cta",
    obj(
        {"label": text(100, 1), "page": PAGE_ID, "url": LINK_URL},
        ("label",),
        # exactly one destination: an internal page or a URL
        oneOf=[{"required": ["page"]}, {"required": ["url"]}],
    ),
    label="Call to action",
    page_fields=("page",),
    resolve=_resolve_cta,
    messages={"url": LINK_MESSAGE, "": "Link either to a page or to a URL (exactly one)."},
)
QUOTE = BlockType(
    "quote",
    obj({"text": text(2000, 1), "attribution": text(200)}, ("text",)),
    label="Quote",
)
VIDEO = BlockType(
    "video",
    obj({"url": VIDEO_URL, "caption": text(300)}, ("url",)),
    label="Video (YouTube / Vimeo)",
    resolve=_resolve_video,
    messages={"url": "Give a YouTube or Vimeo video URL (https://...)."},
)
COLUMNS = BlockType(
    "columns",
    obj({"left": {"type": "array"}, "right": {"type": "array"}}, ("left", "right")),
    label="Two columns",
    children=("left", "right"),
    nestable=False,
)
MAX_CHILDREN = 20  # blocks per column

BUILT_IN = (RICH_TEXT, IMAGE, GALLERY, CTA, QUOTE, VIDEO, COLUMNS)
