"""Content blocks (StreamField-like): typed, validated JSON in ``Page.blocks_<lang>``.

``register(BlockType(...))`` adds a site's own type (see ``registry``); ``validation``
checks a list; ``output`` turns stored blocks into the public API's ``blocks``.
"""

from .registry import all_types, get, register, unregister
from .types import BlockType
from .validation import MAX_BLOCKS, validate_blocks

__all__ = [
    "MAX_BLOCKS", "BlockType", "all_types", "get", "register", "unregister", "validate_blocks",
]  # fmt: skip
