"""The blocks' OpenAPI description, built from the registry when the document is made
(so a site's own types are in it): a list of ``oneOf`` one schema per type."""

from __future__ import annotations

import copy

from . import registry
from .types import MAX_CHILDREN, BlockType
from .validation import ID_SCHEMA, MAX_BLOCKS


def item_schema(block_type: BlockType) -> dict:
    value = copy.deepcopy(block_type.schema)
    for key in block_type.children:
        value.setdefault("properties", {})[key] = {
            "type": "array",
            "maxItems": MAX_CHILDREN,
            "items": {"oneOf": [item_schema(t) for t in registry.all_types() if t.nestable]},
        }
    return {
        "type": "object",
        "title": block_type.label or block_type.name,
        "properties": {"type": {"type": "string", "enum": [block_type.name]}, "id": ID_SCHEMA,
                       "value": value},
        "required": ["type", "value"],
        "additionalProperties": False,
    }  # fmt: skip


def blocks_request_schema() -> dict:
    return {
        "type": "array",
        "maxItems": MAX_BLOCKS,
        "description": "Content blocks in order, each {type, value, id?}; see docs/contracts.md.",
        "items": {"oneOf": [item_schema(t) for t in registry.all_types()]},
    }


PUBLIC_BLOCK_SCHEMA = {
    "type": "object",
    "description": (
        "One content block: `type` (rich_text, image, gallery, cta, quote, video, columns, or "
        "a type the site registered), `id` (stable, may be empty) and `value`, whose shape "
        "depends on the type (docs/contracts.md, BLOCK). Images are IMAGE objects, call-to-"
        "action links are resolved to page paths."
    ),
    "properties": {
        "type": {"type": "string"},
        "id": {"type": "string"},
        "value": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "id", "value"],
}
