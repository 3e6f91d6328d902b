"""The block types a site knows: the built-in ones plus any a site registers.

A site registers its own from its app's ``ready()``::

    from mortar_api.cms.blocks import BlockType, register
    from mortar_api.cms.blocks.types import obj, text

    class MySiteConfig(AppConfig):
        def ready(self):
            register(BlockType("map", obj({"query": text(200, 1)}, ("query",)), label="Map"))
"""

from __future__ import annotations

from .types import BUILT_IN, BlockType

_TYPES: dict[str, BlockType] = {}


def register(block_type: BlockType, *, replace: bool = False) -> BlockType:
    """Add ``block_type`` (``replace=True`` to redefine an existing one, e.g. a built-in)."""
    if block_type.name in _TYPES and not replace:
        raise ValueError(f"Block type {block_type.name!r} is already registered.")
    _TYPES[block_type.name] = block_type
    return block_type


def unregister(name: str) -> None:
    _TYPES.pop(name, None)


def get(name: str) -> BlockType | None:
    return _TYPES.get(name)


def all_types() -> list[BlockType]:
    return list(_TYPES.values())


for _t in BUILT_IN:
    register(_t)
