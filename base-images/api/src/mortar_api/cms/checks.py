"""System checks: the translated columns the migrations ship must match the settings."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from .languages import SUPPORTED_LANGUAGES


@checks.register()
def check_languages(app_configs, **kwargs) -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    mt = tuple(getattr(settings, "MODELTRANSLATION_LANGUAGES", ()))
    if mt != SUPPORTED_LANGUAGES:
        out.append(
            checks.Warning(
                f"MODELTRANSLATION_LANGUAGES is {mt!r}; the cms migrations have columns for "
                f"{SUPPORTED_LANGUAGES!r}.",
                hint="Set MODELTRANSLATION_LANGUAGES = "
                "mortar_api.cms.languages.SUPPORTED_LANGUAGES and choose the enabled "
                "ones with MORTAR_LANGUAGES (LANGUAGES).",
                id="mortar_cms.W001",
            )
        )
    unknown = [code for code, _ in settings.LANGUAGES if code not in SUPPORTED_LANGUAGES]
    if unknown:
        out.append(
            checks.Error(
                f"LANGUAGES has {unknown!r}, which the content model has no columns for.",
                hint=f"Use a subset of {SUPPORTED_LANGUAGES!r}.",
                id="mortar_cms.E001",
            )
        )
    return out
