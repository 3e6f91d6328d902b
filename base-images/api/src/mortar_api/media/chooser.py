"""The media chooser: image fields pick from the tenant's library (thumbnails, search,
upload in place) instead of a select or a raw id.

The JSON endpoints live in the admin (``MediaAssetAdmin.get_urls``), so they are staff
only and per tenant: each tenant's schema holds its own ``MediaAsset`` table. The JS
(``mortar_media/chooser.js``) exposes ``window.mortarMediaChooser.open({onChoose})`` to
the other admin scripts (the rich-text image button, content blocks).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Field, ForeignKey, Q
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.html import format_html

from .models import MediaAsset

PAGE_SIZE = 24


def asset_data(asset: MediaAsset) -> dict:
    """``{id, url, thumbnail, title, alt}``: what ``onChoose`` receives."""
    if not asset.file:
        return {"id": asset.pk, "url": "", "thumbnail": "", "title": str(asset), "alt": ""}
    storage = asset.file.storage
    small = next((r["name"] for r in asset.renditions or [] if r["width"] == 320), asset.file.name)
    return {
        "id": asset.pk,
        "url": storage.url(asset.file.name),
        "thumbnail": storage.url(small),
        "title": str(asset),
        "alt": asset.alt or "",
        "width": asset.width,
        "height": asset.height,
    }


def chooser_media() -> forms.Media:
    return forms.Media(js=["mortar_media/chooser.js"], css={"all": ["mortar_media/chooser.css"]})


class MediaChooserWidget(forms.Widget):
    """A hidden id plus a thumbnail and Choose / Clear buttons."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)

    @property
    def media(self) -> forms.Media:
        return chooser_media()

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer=None) -> str:
        attrs = self.build_attrs(self.attrs, attrs)
        asset = None
        if value not in (None, ""):
            asset = MediaAsset.objects.filter(pk=value).first()
        data = asset_data(asset) if asset else None
        thumb = format_html('<img src="{}" alt="">', data["thumbnail"]) if data else ""
        return format_html(
            '<div class="mortar-chooser" data-mortar-chooser data-mortar-chooser-urls="{}">'
            '<input type="hidden" name="{}" id="{}" value="{}">'
            '<span class="mortar-chooser__thumb">{}</span>'
            '<span class="mortar-chooser__title">{}</span> '
            '<button type="button" class="button mortar-chooser__choose">Choose image</button> '
            '<button type="button" class="button mortar-chooser__clear"{}>Clear</button>'
            "</div>",
            json.dumps(chooser_config()),
            name,
            attrs.get("id", f"id_{name}"),
            data["id"] if data else "",
            thumb,
            data["title"] if data else "No image",
            "" if data else " hidden",
        )

    def value_from_datadict(self, data, files, name: str) -> Any:
        return data.get(name) or None


def is_media_fk(db_field: Field) -> bool:
    return isinstance(db_field, ForeignKey) and db_field.related_model is MediaAsset


class MediaChooserAdminMixin:
    """Put first in a ModelAdmin's bases: ForeignKeys to MediaAsset use the chooser."""

    def formfield_for_dbfield(self, db_field: Field, request: HttpRequest, **kwargs: Any):
        if is_media_fk(db_field):
            # No RelatedFieldWidgetWrapper (its add/change popups): the chooser uploads.
            return db_field.formfield(widget=MediaChooserWidget(), **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def chooser_config() -> dict:
    return {
        "list": reverse("admin:media_mediaasset_chooser"),
        "upload": reverse("admin:media_mediaasset_chooser_upload"),
    }


def list_assets(request: HttpRequest) -> JsonResponse:
    """Assets matching ``q`` (title, alt or file name, any language), newest first."""
    assets = MediaAsset.objects.order_by("-created_at", "-pk")
    if q := request.GET.get("q", "").strip()[:100]:
        query = Q(file__icontains=q)
        for field in ("title", "alt"):
            for f in MediaAsset._meta.fields:
                if f.name == field or f.name.startswith(f"{field}_"):
                    query |= Q(**{f"{f.name}__icontains": q})
        assets = assets.filter(query)
    paginator = Paginator(assets, PAGE_SIZE)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return JsonResponse({"error": "page must be a number.", "field": "page"}, status=400)
    if number < 1 or (number > paginator.num_pages):
        return JsonResponse({"error": "No such page.", "field": "page"}, status=400)
    page = paginator.page(number)
    return JsonResponse(
        {
            "results": [asset_data(a) for a in page.object_list],
            "page": number,
            "pages": paginator.num_pages,
            "count": paginator.count,
        }
    )


class UploadForm(forms.Form):
    file = forms.FileField()
    title = forms.CharField(max_length=200, required=False)
    alt = forms.CharField(max_length=300, required=False)


def upload_asset(request: HttpRequest) -> JsonResponse:
    """Create an asset through the model's own validation; 400 with the field on bad input."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    asset = MediaAsset(
        file=form.cleaned_data["file"],
        title=form.cleaned_data["title"],
        alt=form.cleaned_data["alt"],
    )
    try:
        asset.full_clean()
    except ValidationError as exc:
        errors = {
            field: [{"message": m, "code": ""} for m in messages]
            for field, messages in exc.message_dict.items()
        }
        return JsonResponse({"errors": errors}, status=400)
    asset.save()
    return JsonResponse(asset_data(asset), status=201)
