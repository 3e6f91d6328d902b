"""Which languages content can be written in, and which one a request wants.

The translated columns (``title_en``, ``title_ar``...) are part of the shipped
migrations, so their set is fixed by the base image: ``SUPPORTED_LANGUAGES``.
A site enables a subset of them with ``MORTAR_LANGUAGES`` (Django's LANGUAGES);
settings must set ``MODELTRANSLATION_LANGUAGES = SUPPORTED_LANGUAGES``.

``mortar_api.settings`` imports this module: keep it free of settings access at import time.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation.trans_real import parse_accept_lang_header

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ar", "fr", "de", "es")


def enabled_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def default_language() -> str:
    return enabled_languages()[0]


def _match(code: str, enabled: list[str]) -> str | None:
    code = code.strip().lower().replace("_", "-")
    if code in enabled:
        return code
    base = code.split("-", 1)[0]
    return base if base in enabled else None


def resolve_language(query_lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins, then the best ``Accept-Language`` match, then the default."""
    enabled = enabled_languages()
    if query_lang:
        found = _match(query_lang, enabled)
        if found:
            return found
    for code, _q in parse_accept_lang_header(accept_language or ""):
        if code == "*":
            break
        found = _match(code, enabled)
        if found:
            return found
    return enabled[0]


def language_list() -> list[dict]:
    out = []
    for code in enabled_languages():
        info = get_language_info(code)
        out.append(
            {"code": code, "name": info["name_local"], "dir": "rtl" if info["bidi"] else "ltr"}
        )
    return out
