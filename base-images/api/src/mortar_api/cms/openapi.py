"""The OpenAPI document says exactly what the views do (drf-spectacular).

``MortarAutoSchema`` (every view of this package; ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``
for a site's own views) adds, from what each view is made of:

- the error responses it can give, all with the error body of ``cms.errors``;
- ``additionalProperties: false`` on the request bodies of strict serializers
  (``cms.strict``), with their read-only fields listed as accepting anything (sent back,
  they are ignored). Not as ``readOnly``: OpenAPI makes that "must not be sent", which the
  API does not check, and schemathesis sends such a field as a request to be refused;
- a pattern refusing NUL on free-text request strings (PostgreSQL cannot store it; the API
  answers 400; strings with a format or pattern of their own exclude it already).

``postprocess`` (a ``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`` entry) refuses NUL in
free-text query parameters the same way, says list parameters (``ordering``) have an item,
and adds the OpenAPI links drf-spectacular cannot infer.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from .schema import ErrorSchema
from .strict import StrictMixin

# JSON Schema (ECMA 262) and Python read this the same way: no NUL anywhere.
NO_NUL = "^[^\\u0000]*$"
BODY_METHODS = ("POST", "PUT", "PATCH")

ERRORS = {
    400: "Malformed request: invalid JSON, a field or query parameter that does not match "
    "this document (see `errors`), or a NUL character.",
    401: "No or invalid credentials (`Authorization: Token <key>`).",
    403: "Authenticated, but not staff or without the model permission (publishing, "
    "unpublishing, scheduling and restoring pages, or changing a published one, need "
    "`cms.publish_page`: the Publishers group).",
    404: "Not found (or, for a list, a page past the last one).",
    406: "No acceptable response type in `Accept` (the API speaks JSON).",
    409: "Conflicts with other content: a duplicate, or content still referred to.",
    413: "Request body too large.",
    414: "Request line too long: refused by the web server before the API (an HTML page).",
    415: "Unsupported `Content-Type` (JSON; media uploads: multipart/form-data).",
    422: "Matches this document but breaks a content rule it cannot express "
    "(see `errors`): rules between fields, a referenced object that does not exist, "
    "a date out of range, an uploaded file that is not a usable image.",
    429: "Too many requests; retry later.",
}


def _is_plain_text(schema: dict) -> bool:
    return schema.get("type") == "string" and not {"format", "pattern", "enum"} & set(schema)


class MortarAutoSchema(AutoSchema):
    def _needs_auth(self) -> bool:
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())

    def _writable_fields(self) -> list[serializers.Field]:
        serializer = self.get_request_serializer()
        if isinstance(serializer, type):
            serializer = serializer()
        fields = getattr(serializer, "fields", None)
        return [f for f in fields.values() if not f.read_only] if fields else []

    def _can_break_rules(self) -> bool:
        """Whether a write can be refused with 422 (see ``cms.errors.RULE_CODES``)."""
        from .editor import ModelValidatingSerializer

        serializer = self.get_request_serializer()
        if isinstance(serializer, ModelValidatingSerializer) or (
            isinstance(serializer, type) and issubclass(serializer, ModelValidatingSerializer)
        ):
            return True
        return any(
            # files: content rules (not a usable image) the document cannot express
            isinstance(
                f, (serializers.RelatedField, serializers.DateTimeField, serializers.FileField)
            )
            for f in self._writable_fields()
        )

    def error_statuses(self) -> list[int]:
        """The error statuses this operation can answer with (from the view's make-up)."""
        codes = [400, 406, 414]
        has_body = self.method in BODY_METHODS and self._get_request_body() is not None
        if self._needs_auth():
            codes += [401, 403]
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            codes.append(404)
        if self._needs_auth() and self.method not in permissions.SAFE_METHODS:
            codes.append(409)
        if has_body:
            codes += [413, 415]
            if self._can_break_rules():
                codes.append(422)
        if self.view.get_throttles():
            codes.append(429)
        return sorted(codes)

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for code in self.error_statuses():
            if str(code) in responses:
                continue
            if code == 414:  # gunicorn's (nginx's past 8 KiB) own page, not the error body
                html = {"text/html": {"schema": {"type": "string"}}}
                responses["414"] = {"description": ERRORS[code], "content": html}
                continue
            responses[str(code)] = self._get_response_for_code(
                OpenApiResponse(ErrorSchema, ERRORS[code]), str(code), direction=direction
            )
        return responses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return schema
        properties = schema.setdefault("properties", {})
        for name, field in serializer.fields.items():
            # After drf-spectacular's own validators: a slug's or email's format stays.
            prop = properties.get(name)
            if isinstance(field, serializers.CharField) and prop and _is_plain_text(prop):
                prop["pattern"] = NO_NUL
        return schema

    def _postprocess_serializer_schema(self, schema, serializer, direction):
        schema = super()._postprocess_serializer_schema(schema, serializer, direction)
        if direction == "request" and isinstance(serializer, StrictMixin):
            schema["additionalProperties"] = False
            properties = schema.setdefault("properties", {})
            for name, field in serializer.fields.items():
                if field.read_only and name not in properties:
                    # Any value: a client may send back what it read (a GET's whole object).
                    # `readOnly` tells clients the server sets it; schemathesis then never
                    # takes a request's `id` as the id of what was created (a stateful link).
                    properties[name] = {
                        "description": "Read-only: accepted and ignored.",
                        "readOnly": True,
                    }
        return schema


def _link(paths: dict, source: tuple[str, str, str], target: tuple[str, str], params: dict) -> None:
    response = paths.get(source[0], {}).get(source[1], {}).get("responses", {}).get(source[2])
    operation = paths.get(target[0], {}).get(target[1])
    if response is not None and operation is not None:
        links = response.setdefault("links", {})
        links[operation["operationId"]] = {
            "operationId": operation["operationId"],
            "parameters": params,
        }


def _links(result: dict) -> None:
    """Links drf-spectacular does not make (and schemathesis cannot infer).

    Every editor list to its items, a page's revisions to their restore, and edited content
    to the public operations that serve it.
    """
    paths = result.get("paths", {})
    for path in list(paths):
        detail = f"{path}{{id}}/"
        if path.startswith("/api/v1/editor/") and detail in paths:
            first = {"id": "$response.body#/results/0/id"}
            _link(paths, (path, "get", "200"), (detail, "get"), first)
    _link(
        paths,
        ("/api/v1/editor/pages/{id}/revisions/", "get", "200"),
        ("/api/v1/editor/pages/{id}/revisions/{revision_id}/restore/", "post"),
        {"id": "$request.path.id", "revision_id": "$response.body#/0/id"},
    )
    page_path = {"path": "$response.body#/path"}
    public_page = ("/api/v1/pages/{path}/", "get")
    _link(paths, ("/api/v1/editor/pages/", "post", "201"), public_page, page_path)
    _link(paths, ("/api/v1/editor/pages/{id}/", "get", "200"), public_page, page_path)
    _link(
        paths,
        ("/api/v1/editor/redirects/", "post", "201"),
        ("/api/v1/redirects/resolve/", "get"),
        {"path": "$response.body#/old_path"},
    )


def postprocess(result: dict, generator, request, public) -> dict:
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and _is_plain_text(schema):
                    schema["pattern"] = NO_NUL
                if parameter.get("in") == "query" and schema.get("type") == "array":
                    # `?ordering=` reads as one empty item, refused: an empty list cannot be sent
                    schema["minItems"] = 1
    _links(result)
    return result
