"""The IMAGE shape of docs/contracts.md and the editor's upload serializer."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname
from rest_framework import serializers

from mortar_api.cms.schema import ImageSchema
from mortar_api.cms.strict import StrictModelSerializer

from .models import MediaAsset
from .validation import validate_image


def image_data(asset: MediaAsset | None) -> dict | None:
    """``{"url", "alt", "width", "height", "renditions": [{"width", "url"}]}`` or ``None``."""
    if asset is None or not asset.file:
        return None
    storage = asset.file.storage
    return {
        "url": storage.url(asset.file.name),
        "alt": asset.alt or "",
        "width": asset.width,
        "height": asset.height,
        "renditions": [
            {"width": r["width"], "url": storage.url(r["name"])} for r in asset.renditions or []
        ],
    }


class MediaAssetSerializer(StrictModelSerializer):
    # empty files too reach validate_file: its refusals are content rules (422), see there
    file = serializers.FileField(write_only=True, required=True, allow_empty_file=True)
    image = serializers.SerializerMethodField()

    class Meta:
        model = MediaAsset
        fields = [
            "id", "file", "title", "alt",
            *[build_localized_fieldname("alt", lang) for lang in AVAILABLE_LANGUAGES],
            "image", "mime_type", "size", "created_at",
        ]  # fmt: skip
        read_only_fields = ["mime_type", "size", "created_at"]

    @extend_schema_field(ImageSchema(allow_null=True))
    def get_image(self, obj: MediaAsset) -> dict | None:
        return image_data(obj)

    def validate_file(self, value):
        try:
            validate_image(value)
        except DjangoValidationError as exc:
            # A file the document allows (binary, an image content type) that is not a usable
            # image: a content rule the document cannot express, so 422 (cms.errors), not 400.
            raise serializers.ValidationError(exc.messages, code="rule") from exc
        return value


class MediaUploadSerializer(MediaAssetSerializer):
    """The multipart upload: a form carries only strings, so its alt texts are never null."""

    class Meta(MediaAssetSerializer.Meta):
        extra_kwargs = {
            build_localized_fieldname("alt", lang): {"allow_null": False}
            for lang in AVAILABLE_LANGUAGES
        }
