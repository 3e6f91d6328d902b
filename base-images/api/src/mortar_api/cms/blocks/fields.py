"""The editor API's per-language ``blocks_<lang>`` field and its OpenAPI description."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from .schema import blocks_request_schema
from .validation import structure_errors


class BlocksField(serializers.JSONField):
    """A list of blocks; refused with every problem named (``blocks_en[2].value.url: ...``).

    References (asset and page ids) are checked by ``Page.clean`` (a 422 content rule).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs["allow_null"] = False
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        errors = structure_errors(value, self.field_name)
        if errors:
            raise serializers.ValidationError([str(e) for e in errors])
        return value


class BlocksFieldExtension(OpenApiSerializerFieldExtension):
    target_class = BlocksField

    def map_serializer_field(self, auto_schema, direction: str) -> dict:
        return blocks_request_schema()
