"""Write serializers that accept exactly what the OpenAPI document describes.

DRF is lenient by default, which makes a document that says ``integer`` or ``boolean``
untrue: it coerces ``"5"`` and ``5.0`` to ``5``, ``"yes"`` to ``True``, ``5`` to ``"5"``,
trims strings and ignores unknown keys. Strict serializers instead refuse

- keys they do not know (a typo is a 400, not silently lost); the document says
  ``additionalProperties: false`` (``cms.openapi``). Read-only keys are ignored as before;
- JSON values of another type than the field's (``"5"`` for an integer, ``1`` for a
  boolean or a string, ``"301"`` for the choice ``301``);

and store strings as sent (trimming would make ``" "`` blank and ``"x" * max + " "`` short
enough, so the lengths in the document would not be the ones checked). URLs are checked as
documented, see ``HttpUrlField``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.db import models
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_HTTP_URL = re.compile(r"https?://[^/?#]+(?:[/?#].*)?", re.DOTALL)
_NOT_IN_URIS = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')


def is_http_url(value: str) -> bool:
    """A well-formed URI (RFC 3986 characters and %-escapes) with http(s):// and a host."""
    if not value.isascii() or _NOT_IN_URIS.search(value) or not _HTTP_URL.fullmatch(value):
        return False
    try:
        urlsplit(value)  # e.g. an unclosed IPv6 bracket
    except ValueError:
        return False
    return True


_EXPECTED: list[tuple[type, tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), "a boolean"),
    (serializers.IntegerField, (int,), "an integer"),
    (serializers.FloatField, (int, float), "a number"),
    (serializers.DecimalField, (int, float), "a number"),
    (serializers.CharField, (str,), "a string"),
    (serializers.DateTimeField, (str,), "a date-time string"),
    (serializers.DateField, (str,), "a date string"),
    (serializers.PrimaryKeyRelatedField, (int,), "an id (integer)"),
    (serializers.ListField, (list,), "a list"),
    (serializers.DictField, (dict,), "an object"),
]


def _kind(value: object) -> type:
    return bool if isinstance(value, bool) else int if isinstance(value, int) else type(value)


def json_type_error(field: serializers.Field, value: object) -> str | None:
    """Why ``value`` (decoded JSON) cannot be ``field``'s input, or None if its type fits."""
    if value is None or isinstance(field, serializers.FileField):
        return None  # null is the field's own business (allow_null); files come as uploads
    if isinstance(field, serializers.ChoiceField) and not isinstance(
        field, serializers.MultipleChoiceField
    ):
        ok = any(value == key and _kind(value) is _kind(key) for key in field.choices) or (
            value == "" and field.allow_blank
        )
        return None if ok else "Not one of the allowed values."
    for kind, types, name in _EXPECTED:
        if isinstance(field, kind):
            fits = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
            return None if fits else f"Expected {name}."
    if isinstance(field, serializers.BaseSerializer) and not isinstance(
        value, list if getattr(field, "many", False) else dict
    ):
        return "Expected a list." if getattr(field, "many", False) else "Expected an object."
    return None


@extend_schema_field({"type": "string", "format": "uri", "pattern": "^https?://[^/?#]"})
class HttpUrlField(serializers.CharField):
    """An http(s) URL, exactly what its description (a URI starting with http(s)://) admits.

    Django's URLValidator is stricter than any OpenAPI ``format``: it refuses hosts such as
    ``example.a`` that are well-formed URIs, so the document could not say what it checks.
    """

    default_error_messages = {"invalid": "Enter an http:// or https:// URL."}

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if value and not is_http_url(value):
            self.fail("invalid")
        return value


class StrictMixin:
    def _ignored(self, name: str) -> bool:
        """A read-only field sent back: accepted and ignored whatever its value or form."""
        field = self.fields.get(name)
        return bool(field and field.read_only)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.CharField):
                field.trim_whitespace = False
        return fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {k: ["Unknown field."] for k in data if k not in self.fields}
            if isinstance(data, QueryDict):  # form data (uploads): strings and files, once each
                once = [k for k, v in data.lists() if len(v) > 1 and not self._ignored(k)]
                errors.update({k: ["Give this field once."] for k in once})
            else:
                for key, value in data.items():
                    field = self.fields.get(key)
                    problem = field and not field.read_only and json_type_error(field, value)
                    if problem:
                        errors[key] = [problem]
            if errors:
                raise serializers.ValidationError(dict(sorted(errors.items())))
        return super().to_internal_value(data)


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: HttpUrlField,
    }


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass
