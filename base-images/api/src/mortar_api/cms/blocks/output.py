"""Stored blocks in the public API's shape: images as IMAGE objects, links as page paths.

Asset and page references of a whole page are fetched in two queries. A block whose type
is no longer registered, or whose image/page is gone, is left out (logged), never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from . import registry
from .types import Refs, ids_at
from .validation import walk

log = logging.getLogger(__name__)


def load_refs(blocks: list) -> Refs:
    from mortar_api.media.models import MediaAsset

    from ..models import Page

    asset_ids, page_ids = set(), set()
    for _path, block, block_type in walk(blocks, "blocks"):
        value = block.get("value") or {}
        asset_ids |= {i for s in block_type.asset_fields for _, i in ids_at(value, s)}
        page_ids |= {i for s in block_type.page_fields for _, i in ids_at(value, s)}
    refs = Refs()
    ints = lambda ids: {i for i in ids if isinstance(i, int)}  # noqa: E731
    if asset_ids:
        refs.assets = MediaAsset.objects.in_bulk(ints(asset_ids))
    if page_ids:
        refs.pages = Page.objects.only("path", "is_home", "status").in_bulk(ints(page_ids))
    return refs


def _resolve(blocks: list, refs: Refs) -> list[dict[str, Any]]:
    out = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        block_type = registry.get(block.get("type"))
        if block_type is None:
            log.warning("skipping a block of unknown type %r", block.get("type"))
            continue
        value = dict(block.get("value") or {})
        for key in block_type.children:
            value[key] = _resolve(value.get(key) or [], refs)
        if block_type.resolve is not None:
            try:
                value = block_type.resolve(value, refs)
            except (KeyError, TypeError, ValueError):
                log.warning("skipping a malformed %r block", block_type.name, exc_info=True)
                continue
        if value is None:
            continue
        out.append({"type": block_type.name, "id": str(block.get("id") or ""), "value": value})
    return out


def public_blocks(blocks: list | None) -> list[dict[str, Any]]:
    """The ``blocks`` of the public page shape (docs/contracts.md)."""
    if not blocks or not isinstance(blocks, list):
        return []
    return _resolve(blocks, load_refs(blocks))
