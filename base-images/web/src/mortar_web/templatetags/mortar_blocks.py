"""`{% render_blocks page.blocks %}`: each block through its type's template (`blocks`)."""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from mortar_web import blocks as registry

register = template.Library()
log = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def render_blocks(context: template.Context, items: Any, nested: bool = False) -> SafeString:
    """Render a list of api blocks; unknown or malformed ones are skipped and logged."""
    if not isinstance(items, list):
        return mark_safe("")
    language = str(context.get("lang") or "")
    base = context.flatten()
    out = []
    for index, block in enumerate(items):
        kind = block.get("type") if isinstance(block, dict) else None
        entry = registry.get(kind)
        value = block.get("value") if isinstance(block, dict) else None
        if entry is None or not isinstance(value, dict):
            log.warning("skipping content block %s of unknown type %r", index, kind)
            continue
        if entry.prepare is not None:
            value = entry.prepare(value, language)
            if value is None:
                log.warning("skipping content block %s: incomplete %r", index, kind)
                continue
        ctx = {**base, "block": block, "value": value, "nested": nested}
        out.append(get_template(entry.template).render(ctx, context.get("request")))
    return mark_safe("\n".join(out))  # noqa: S308 (templates escape their own output)
