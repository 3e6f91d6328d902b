"""The Preview button of the page form: the signed draft URL in the language being edited.

``PageAdmin.preview`` renders the links (one per language, usable without JS); the
script ``mortar_cms/preview.js`` adds a Preview button to the submit row that opens the
link of the active language tab.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.html import format_html, format_html_join

from .languages import default_language, enabled_languages
from .preview import preview_url

PREVIEW_MEDIA = forms.Media(js=["mortar_cms/preview.js"])


def localised_preview_urls(page_id: int) -> dict[str, str] | None:
    """language -> ``//<domain>[/<lang>]/__preview/<token>/`` (web's language prefix)."""
    url = preview_url(page_id)
    if not url:
        return None
    domain, _, rest = url[2:].partition("/")
    return {
        lang: f"//{domain}/{rest}" if lang == default_language() else f"//{domain}/{lang}/{rest}"
        for lang in enabled_languages()
    }


def preview_links(page_id: int | None) -> str:
    if not page_id:
        return "Save the page first."
    urls = localised_preview_urls(page_id)
    if not urls:
        return "No domain for this tenant."
    links = format_html_join(
        " · ",
        '<a href="{}" target="_blank" rel="noopener" lang="{}">{}</a>',
        ((url, lang, lang.upper()) for lang, url in urls.items()),
    )
    return format_html(
        '<span data-mortar-preview="{}">Open preview: {} (the link expires)</span>',
        json.dumps({"urls": urls, "default": default_language()}),
        links,
    )
