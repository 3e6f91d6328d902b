"""Translated admin forms that show only the site's languages.

The per-language columns of every supported language stay in the schema (modeltranslation
knows them all), but an editor of a site with ``MORTAR_LANGUAGES=en,ar`` sees English and
Arabic only: in modeltranslation's tabs, in the site's language order, each input with its
``lang`` and ``dir`` (``rtl`` for Arabic). A site's own admins use it the same way::

    from mortar_api.adminsite.languages import SiteTranslationAdmin

    @admin.register(Notice)
    class NoticeAdmin(SiteTranslationAdmin): ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Field
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import get_language_info
from modeltranslation.admin import TranslationAdmin
from modeltranslation.widgets import ClearableWidgetWrapper

from mortar_api.cms.languages import enabled_languages

# modeltranslation's TabbedTranslationAdmin media, with jQuery UI's tabs served locally
# (its default loads jQuery UI from a CDN).
TABS_MEDIA = forms.Media(
    js=[
        "admin/js/jquery.init.js",
        "modeltranslation/js/force_jquery.js",
        "mortar_adminsite/jquery-ui-tabs.js",
        "modeltranslation/js/tabbed_translation_fields.js",
    ],
    css={"all": ["modeltranslation/css/tabbed_translation_fields.css"]},
)


def text_direction(code: str) -> str:
    return "rtl" if get_language_info(code)["bidi"] else "ltr"


class SiteLanguagesMixin:
    """For modeltranslation ModelAdmins (``TranslationAdmin``, its inlines): put it first."""

    def _localized(self) -> dict[str, tuple[str, str]]:
        """Every per-language field name -> (original field, language)."""
        return {
            field.name: (original, field.language)
            for original, fields in self.trans_opts.all_fields.items()
            for field in fields
        }

    def _hidden_fields(self) -> list[str]:
        enabled = set(enabled_languages())
        return sorted(n for n, (_o, lang) in self._localized().items() if lang not in enabled)

    def _site_fields(self, names: Sequence[Any]) -> list[Any]:
        """Drop other languages' fields; order each field's languages like the site's."""
        localized, order = self._localized(), enabled_languages()
        out: list[Any] = []
        for name in names:
            if isinstance(name, (list, tuple)):
                if kept := self._site_fields(name):
                    out.append(type(name)(kept))
                continue
            if name not in localized:
                out.append(name)
                continue
            original, lang = localized[name]
            if lang not in order:
                continue
            # Keep a run of one field's languages together, sorted by the site's order.
            run_start = len(out)
            while run_start and self._original_of(out[run_start - 1], localized) == original:
                run_start -= 1
            out.append(name)
            out[run_start:] = sorted(out[run_start:], key=lambda n: order.index(localized[n][1]))
        return out

    @staticmethod
    def _original_of(name: Any, localized: dict[str, tuple[str, str]]) -> str | None:
        return localized[name][0] if isinstance(name, str) and name in localized else None

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        return [
            (title, {**options, "fields": self._site_fields(options.get("fields", ()))})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *self._hidden_fields()]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list:
        return self._site_fields(super().get_readonly_fields(request, obj))

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict:
        hidden = set(self._hidden_fields())
        return {
            dest: sources
            for dest, sources in super().get_prepopulated_fields(request, obj).items()
            if dest not in hidden and not hidden.intersection(sources)
        }

    def formfield_for_dbfield(
        self, db_field: Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        lang = getattr(db_field, "language", None)  # set on modeltranslation's columns only
        if field is None or lang is None:
            return field
        widget = self._get_widget_from_field(field)
        if isinstance(widget, ClearableWidgetWrapper):
            widget = widget.widget
        widget.attrs.update(lang=lang, dir=text_direction(lang))
        if len(enabled_languages()) == 1:  # no tabs, so no "[en]" after every label
            field.label = capfirst(db_field.translated_field.verbose_name)
        return field

    @property
    def media(self) -> forms.Media:
        media = super().media
        return media + TABS_MEDIA if len(enabled_languages()) > 1 else media


class SiteTranslationAdmin(SiteLanguagesMixin, TranslationAdmin):
    """``TranslationAdmin`` showing the site's languages only, in tabs."""
