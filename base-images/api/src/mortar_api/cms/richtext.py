"""The rich-text editor of the admin: django-prose-editor on every ``body_<lang>`` field.

The model fields stay ``TextField`` (no migration); the admin form swaps in
``RichTextFormField``. The toolbar is limited to what ``cms.html.sanitise_html`` keeps,
so what an editor sees is what is saved (tests/cms/test_richtext.py round-trips it).
Our own ProseMirror extensions (``mortar_cms/richtext.js``) add a page picker for links,
an image button that opens the media chooser, and the field's text direction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Field, Q
from django.http import HttpRequest, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from .languages import default_language, enabled_languages

# Fields edited as rich text: the model field names (modeltranslation adds _<lang>).
RICH_TEXT_FIELDS = {("cms", "page", "body")}

# The toolbar: each extension's HTML is in cms.html's allow-list.
EXTENSIONS: dict[str, Any] = {
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    # Link's own dialog (URL, title) rendered by MortarLink; no "new window": no target.
    "Link": False,
    "MortarLink": {"enableTarget": False},
    "BulletList": True,
    "OrderedList": {"enableListAttributes": False},  # no type/data-type attributes
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "Image": True,
    "History": True,
}
MENU_GROUPS = [
    {"group": "blockType -lists", "type": "dropdown", "minItems": 2},
    {"group": "lists"},
    {"group": "nodes -blockType -lists"},
    {"group": "marks"},
    {"group": "link"},
    {"group": "table"},
    {"group": "history"},
]


class RichTextWidget(AdminProseEditorWidget):
    """The admin prose editor plus Mortar's extensions; reads ``lang``/``dir`` from attrs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("config", {"extensions": EXTENSIONS})
        kwargs.setdefault("preset", "configurable")
        super().__init__(*args, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        lang = self.attrs.get("lang") or default_language()
        extensions = dict(config["extensions"])
        extensions["Menu"] = {"groups": MENU_GROUPS}
        extensions["MortarDirection"] = {"dir": self.attrs.get("dir", "ltr"), "lang": lang}
        extensions["MortarPageLink"] = {
            "searchUrl": reverse("admin:cms_page_link_search"),
            "lang": lang,
        }
        extensions["MortarMediaImage"] = True
        return {
            **config,
            "extensions": extensions,
            "js_modules": [*config.get("js_modules", []), static("mortar_cms/richtext.js")],
        }

    @property
    def media(self) -> forms.Media:
        from mortar_api.media.chooser import chooser_media

        return (
            super().media + chooser_media() + forms.Media(css={"all": ["mortar_cms/richtext.css"]})
        )


class RichTextFormField(ProseEditorFormField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["widget"] = RichTextWidget
        kwargs.setdefault("config", {"extensions": EXTENSIONS})
        super().__init__(*args, **kwargs)


def is_rich_text(db_field: Field) -> bool:
    original = getattr(db_field, "translated_field", db_field)  # body_en -> body
    meta = original.model._meta
    return (meta.app_label, meta.model_name, original.name) in RICH_TEXT_FIELDS


class RichTextAdminMixin:
    """Put first in a ModelAdmin's bases: rich-text fields get the editor."""

    def formfield_for_dbfield(self, db_field: Field, request: HttpRequest, **kwargs: Any):
        if is_rich_text(db_field):
            kwargs["form_class"] = RichTextFormField
            kwargs["widget"] = RichTextWidget
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def page_url(page: Any, lang: str) -> str:
    """The public URL of a page in a language, as mortar-web serves it."""
    prefix = "" if lang == default_language() else f"/{lang}"
    return f"{prefix}/" if page.is_home else f"{prefix}/{page.path}/"


@staff_member_required
def page_link_search(request: HttpRequest) -> JsonResponse:
    """Pages matching ``q`` (title or path) for the link picker, with their URL in ``lang``."""
    from .models import Page

    if not request.user.has_perm("cms.view_page"):
        return JsonResponse({"error": "You may not view pages."}, status=403)
    lang = request.GET.get("lang") or default_language()
    if lang not in enabled_languages():
        return JsonResponse({"error": f"Unknown language {lang!r}.", "field": "lang"}, status=400)
    pages = Page.objects.order_by("path")
    if q := request.GET.get("q", "").strip()[:100]:
        pages = pages.filter(
            Q(title__icontains=q) | Q(path__icontains=q) | Q(**{f"title_{lang}__icontains": q})
        )
    results = [
        {"id": p.pk, "title": str(p), "path": p.path, "url": page_url(p, lang), "status": p.status}
        for p in pages[:20]
    ]
    return JsonResponse({"results": results})
