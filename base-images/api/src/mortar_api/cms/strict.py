"""Write serializers that refuse keys they do not know (a typo is a 400, not silently lost)."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers


class StrictMixin:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({k: ["Unknown field."] for k in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    pass


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass
