"""The admin's block editor: one small form per block, add / remove / move up and down.

The widget renders the field's textarea (hidden; it is what the form posts, as JSON) and
a container that ``mortar_cms/blocks.js`` fills from a description of every registered
type. Image fields use ``window.mortarMediaChooser`` when the media chooser is on the page,
else an asset id input. Checks stay on the server (``Page.clean``): errors come back as
form errors naming the block (``blocks_en[2].value.url``).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms

from .blocks import registry
from .blocks.types import BlockType

# How the admin edits each built-in type's value: (key, kind, label, required).
# Kinds: text, textarea, html, asset, images, link, url, blocks.
BUILT_IN_FORMS: dict[str, list[tuple[str, str, str, bool]]] = {
    "rich_text": [("html", "html", "Text", True)],
    "image": [("image", "asset", "Image", True), ("caption", "text", "Caption", False),
              ("alt", "text", "Alt text (leave empty to use the image's own)", False)],
    "gallery": [("images", "images", "Images", True)],
    "cta": [("label", "text", "Label", True), ("link", "link", "Link to", True)],
    "quote": [("text", "textarea", "Quote", True), ("attribution", "text", "Attribution", False)],
    "video": [("url", "url", "YouTube or Vimeo URL", True), ("caption", "text", "Caption", False)],
    "columns": [("left", "blocks", "Left column", True), ("right", "blocks", "Right column", True)],
}  # fmt: skip


def _derived_form(block_type: BlockType) -> list[tuple[str, str, str, bool]]:
    """A site's own type: a field per property, from its schema (lists/objects as JSON)."""
    schema = block_type.schema
    required = set(schema.get("required", ()))
    out = []
    for key, prop in schema.get("properties", {}).items():
        kind = {"integer": "number", "number": "number", "boolean": "checkbox"}.get(
            prop.get("type"), "json" if prop.get("type") in ("array", "object") else "text"
        )
        if kind == "text" and prop.get("maxLength", 0) > 300:
            kind = "textarea"
        label = prop.get("title") or key.replace("_", " ").capitalize()
        out.append((key, kind, label, key in required))
    return out


def type_descriptions() -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "label": t.label or t.name,
            "nestable": t.nestable,
            "fields": [
                {"key": k, "kind": kind, "label": label, "required": req}
                for k, kind, label, req in BUILT_IN_FORMS.get(t.name) or _derived_form(t)
            ],
        }
        for t in registry.all_types()
    ]


def _choices() -> dict[str, Any]:
    """Pages a call to action can link to, and the thumbnails of this tenant's images."""
    from mortar_api.media.models import MediaAsset

    from .models import Page

    pages = [
        {"id": p.pk, "label": f"{p.title} (/{p.path})"}
        for p in Page.objects.order_by("path").only("title", "path")[:1000]
    ]
    assets = {
        str(a.pk): {"url": a.file.url if a.file else "", "title": str(a)}
        for a in MediaAsset.objects.only("file", "title")[:500]
    }
    return {"pages": pages, "assets": assets}


class BlocksWidget(forms.Textarea):
    template_name = "mortar_cms/widgets/blocks.html"

    class Media:
        js = ["mortar_cms/blocks.js"]
        css = {"all": ["mortar_cms/blocks.css"]}

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        config = {"types": type_descriptions(), **_choices()}
        context["widget"]["config"] = json.dumps(config)
        return context
