"""Checking a list of blocks: its JSON Schema (per type) then the tenant's references.

Every problem names where it is, ``blocks_en[2].value.url``, so an editor (admin form error)
or a client (the editor API's 400/422) knows which block to fix. Structure errors are what
the OpenAPI document describes (400); a reference to an asset or page this tenant does not
have is a content rule (``code="rule"``: 422 in the editor API).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from jsonschema import Draft4Validator, validators
from jsonschema.exceptions import ValidationError as ValidationError_

from . import registry
from .types import MAX_CHILDREN, NO_NUL, BlockType, ids_at

MAX_BLOCKS = 100  # per page and language (top level); each column holds up to MAX_CHILDREN
MAX_ERRORS = 20
ID_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "stable id"}
_ENVELOPE = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "maxLength": 40, "pattern": NO_NUL},
        "id": ID_SCHEMA,
        "value": {"type": "object"},
    },
    "required": ["type", "value"],
    "additionalProperties": False,
}
_TYPE_NAMES = {
    "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "a boolean", "object": "an object", "array": "a list",
}  # fmt: skip


def _ecma_pattern(validator, pattern: str, instance: Any, schema: dict):
    """``pattern`` as JSON Schema (ECMA 262) means it: Python's ``$`` also matches before a
    final newline, which would accept ``"https://x\\n"`` that the document refuses."""
    if not validator.is_type(instance, "string"):
        return
    ecma = re.sub(r"(?<!\\)\$$", r"\\Z", pattern)
    if not re.search(ecma, instance):
        yield ValidationError_(f"{instance!r} does not match {pattern!r}")


BlockValidator = validators.extend(Draft4Validator, {"pattern": _ecma_pattern})


@dataclass(frozen=True)
class BlockError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _join(path: str, parts: Iterable[Any]) -> str:
    for p in parts:
        path += f"[{p}]" if isinstance(p, int) else f".{p}"
    return path


def _message(error, messages: dict[str, str]) -> list[tuple[list, str]]:
    """(extra path parts, message) for one jsonschema error."""
    key = next((p for p in reversed(error.path) if isinstance(p, str)), "")
    v, arg = error.validator, error.validator_value
    if v == "required":
        inst = error.instance if isinstance(error.instance, dict) else {}
        return [([k], "This field is required.") for k in arg if k not in inst]
    if v == "additionalProperties":
        known = error.schema.get("properties", {})
        return [([k], "Unknown field.") for k in error.instance if k not in known]
    if v == "type":
        want = arg if isinstance(arg, str) else arg[0]
        return [([], f"Expected {_TYPE_NAMES.get(want, want)}.")]
    if v == "pattern":
        if isinstance(error.instance, str) and "\x00" in error.instance:
            return [([], "NUL characters are not allowed.")]
        return [([], messages.get(key, "Not in an accepted form."))]
    if v == "maxLength":
        return [([], f"At most {arg} characters.")]
    if v == "minLength":
        return [([], "This field may not be blank." if arg == 1 else f"At least {arg} characters.")]
    if v == "maxItems":
        return [([], f"At most {arg} items.")]
    if v == "minItems":
        return [([], f"At least {arg} item{'s' if arg != 1 else ''}.")]
    if v in ("minimum", "maximum"):
        return [([], "Out of range.")]
    if v == "oneOf":
        return [([], messages.get(key, "Does not match exactly one allowed form."))]
    return [([], error.message)]


def _schema_errors(schema: dict, value: Any, path: str, messages: dict) -> list[BlockError]:
    out = []
    found = BlockValidator(schema).iter_errors(value)
    errors = sorted(found, key=lambda e: list(map(str, e.path)))
    for error in errors:
        for extra, msg in _message(error, messages):
            out.append(BlockError(_join(path, [*error.path, *extra]), msg))
    return out


def _check_list(value: Any, path: str, limit: int, nested: bool) -> list[BlockError]:
    if not isinstance(value, list):
        return [BlockError(path, "Expected a list of blocks.")]
    if len(value) > limit:
        return [BlockError(path, f"At most {limit} blocks (got {len(value)}).")]
    errors: list[BlockError] = []
    for i, item in enumerate(value):
        errors += _check_item(item, f"{path}[{i}]", nested)
        if len(errors) >= MAX_ERRORS:
            break
    return errors


def _check_item(item: Any, path: str, nested: bool) -> list[BlockError]:
    errors = _schema_errors(_ENVELOPE, item, path, {})
    if errors:
        return errors
    block_type = registry.get(item["type"])
    if block_type is None or (nested and not block_type.nestable):
        where = "inside columns" if block_type else ""
        return [BlockError(f"{path}.type", f"Unknown block type {item['type']!r} {where}".strip())]
    vpath = f"{path}.value"
    errors = _schema_errors(block_type.schema, item["value"], vpath, block_type.messages)
    if errors:
        return errors
    for key in block_type.children:
        errors += _check_list(item["value"][key], f"{vpath}.{key}", MAX_CHILDREN, nested=True)
    return errors


def structure_errors(value: Any, field: str) -> list[BlockError]:
    """What is wrong with ``value``'s shape (``field`` names it: ``blocks_en``)."""
    if value is None:
        return []
    return _check_list(value, field, MAX_BLOCKS, nested=False)[:MAX_ERRORS]


def walk(blocks: list, path: str) -> Iterable[tuple[str, dict, BlockType]]:
    """(path, block, type) of every known block, nested ones included (valid input)."""
    for i, block in enumerate(blocks or []):
        block_type = registry.get(block.get("type")) if isinstance(block, dict) else None
        if block_type is None:
            continue
        here = f"{path}[{i}]"
        yield here, block, block_type
        for key in block_type.children:
            yield from walk(block["value"].get(key) or [], f"{here}.value.{key}")


def reference_errors(value: list, field: str) -> list[BlockError]:
    """Asset and page ids that do not exist in the current tenant (its schema)."""
    from mortar_api.media.models import MediaAsset

    from ..models import Page

    wanted: list[tuple[str, str, Any]] = []  # (kind, path, id)
    for path, block, block_type in walk(value, field):
        for kind, specs in (("asset", block_type.asset_fields), ("page", block_type.page_fields)):
            for spec in specs:
                for where, ref in ids_at(block["value"], spec, f"{path}.value"):
                    wanted.append((kind, where, ref))
    if not wanted:
        return []
    found = {
        "asset": set(
            MediaAsset.objects.filter(pk__in={r for k, _, r in wanted if k == "asset"})
            .values_list("pk", flat=True)
        ),
        "page": set(
            Page.objects.filter(pk__in={r for k, _, r in wanted if k == "page"})
            .values_list("pk", flat=True)
        ),
    }  # fmt: skip
    names = {"asset": "media asset", "page": "page"}
    return [
        BlockError(path, f"No {names[kind]} with id {ref} in this site.")
        for kind, path, ref in wanted
        if ref not in found[kind]
    ]


def sanitise(value: list | None) -> list:
    """A valid list with every type's ``sanitise`` applied (rich text's HTML), nested too."""
    out = []
    for block in value or []:
        block_type = registry.get(block["type"])
        inner = dict(block["value"])
        if block_type is not None:
            if block_type.sanitise:
                inner = block_type.sanitise(inner)
            for key in block_type.children:
                inner[key] = sanitise(inner.get(key))
        out.append({**block, "value": inner})
    return out


def raise_for(errors: list[BlockError], field: str, code: str = "invalid_block") -> None:
    # not "invalid": a ModelForm would replace the message by its field's own for that code
    if errors:
        raise ValidationError({field: [ValidationError(str(e), code=code) for e in errors]})


def validate_blocks(value: Any, field: str, *, references: bool = True) -> None:
    """Raise a ValidationError ``{field: ["blocks_en[2].value.url: ..."]}`` if ``value`` is bad."""
    raise_for(structure_errors(value, field), field)
    if references:
        raise_for(reference_errors(value or [], field), field, code="rule")
