"""Page's hooks: its ``blocks_<lang>`` columns checked in clean() and save()."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from .validation import raise_for, reference_errors, sanitise, structure_errors


def block_columns(page: Any) -> list[str]:
    """``blocks_en``, ``blocks_ar``...: the per-language columns (modeltranslation's)."""
    return [f.attname for f in page._meta.concrete_fields if f.name.startswith("blocks_")]


def validate_block_columns(page: Any) -> None:
    """Every language's blocks: shape, then references to this tenant's assets and pages.

    References only for the site's languages: another's column is neither edited in the
    admin (an error there would have no field to show on) nor served.
    """
    from ..languages import enabled_languages

    enabled = {f"blocks_{lang.replace('-', '_')}" for lang in enabled_languages()}
    errors: dict[str, list] = {}
    for name in block_columns(page):
        value = getattr(page, name)
        try:
            raise_for(structure_errors(value, name), name)
            if name in enabled:
                raise_for(reference_errors(value or [], name), name, code="rule")
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)


def clean_block_columns(page: Any) -> None:
    """Before saving: refuse a bad shape, store [] for null, sanitise rich text's HTML.

    References are not checked here: a scheduled publish must not fail because an image
    was deleted since (the public API leaves such a block out).
    """
    for name in block_columns(page):
        value = getattr(page, name)
        raise_for(structure_errors(value, name), name)
        setattr(page, name, sanitise(value))
