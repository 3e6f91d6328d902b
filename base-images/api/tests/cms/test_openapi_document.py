"""The OpenAPI document (drf-spectacular, ``cms.openapi``) says what the views do.

Generated in-process, as ``/api/schema/`` serves it; the contract tier (tests/contract)
checks it against a running site with schemathesis, these checks catch drift quickly.
"""

from __future__ import annotations

import pytest

ERROR_REF = "#/components/schemas/ErrorSchema"


@pytest.fixture(scope="module")
def document() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # a valid OpenAPI 3.0 document
    return schema


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield path, method, op


def _error_codes(op: dict) -> set[int]:
    codes = set()
    for code, response in op["responses"].items():
        if code == "414":  # the web server's own page: the API never sees such a request
            assert list(response["content"]) == ["text/html"]
            codes.add(414)
        elif code.startswith(("4", "5")):
            assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
            codes.add(int(code))
    return codes


def test_every_operation_declares_the_errors_it_gives(document: dict) -> None:
    for path, method, op in _operations(document):
        names = [(p["in"], p["name"]) for p in op.get("parameters", [])]
        assert len(names) == len(set(names)), (method, path)  # e.g. a filter named `page`
        codes = _error_codes(op)
        assert {400, 406, 414} <= codes, (method, path)  # NUL in a query, Accept, long URI
        if "{" in path or (method == "get" and "/editor/" in path and "{" not in path):
            assert 404 in codes or path == "/api/v1/editor/settings/", (method, path)
        if "/editor/" in path:
            assert {401, 403} <= codes, (method, path)
            if method != "get":
                assert 409 in codes, (method, path)
        if "requestBody" in op:
            assert {413, 415} <= codes, (method, path)
    contact = document["paths"]["/api/v1/contact/"]["post"]
    assert 429 in _error_codes(contact) and 422 not in _error_codes(contact)
    assert 404 in _error_codes(document["paths"]["/api/v1/pages/"]["get"])
    assert 422 in _error_codes(document["paths"]["/api/v1/editor/pages/"]["post"])


def test_strict_request_bodies_refuse_unknown_properties(document: dict) -> None:
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("Request"):
            assert schema.get("additionalProperties") is False, name
    page = schemas["PageEditorRequest"]
    # sent back, ignored: any value; `readOnly` so that no client (nor schemathesis' link
    # inference) takes the `id` it sent for the id of what was created
    read_only = {"description": "Read-only: accepted and ignored.", "readOnly": True}
    assert page["properties"]["path"] == page["properties"]["id"] == read_only
    assert set(page["required"]) == {"slug", "title_en"}
    assert page["properties"]["title_en"]["minLength"] == 1
    assert page["properties"]["title_en"]["pattern"] == "^[^\\u0000]*$"
    assert page["properties"]["slug"]["pattern"] == "^[-\\w]+$"  # the slug's own pattern
    social = schemas["SocialLinkRequest"]
    assert social["required"] == ["network", "url"] and social["additionalProperties"] is False


def test_responses_match_what_is_sent(document: dict) -> None:
    paths = document["paths"]
    render = paths["/api/v1/editor/pages/{id}/render/"]["get"]["responses"]["200"]
    assert render["content"]["application/json"]["schema"]["$ref"].endswith("/PageSchema")
    page = document["components"]["schemas"]["PageSchema"]["properties"]
    assert page["published_at"]["nullable"] is True  # a draft
    revisions = paths["/api/v1/editor/pages/{id}/revisions/"]["get"]["responses"]["200"]
    schema = revisions["content"]["application/json"]["schema"]
    assert schema["type"] == "array" and schema["items"]["$ref"].endswith("/Revision")
    revision = document["components"]["schemas"]["Revision"]["properties"]
    assert revision["created_by"]["nullable"] is True
    for action in ("publish", "unpublish"):
        assert "requestBody" not in paths[f"/api/v1/editor/pages/{{id}}/{action}/"]["post"]
    listing = paths["/api/v1/editor/pages/"]["get"]["responses"]["200"]
    paginated = listing["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(document["components"]["schemas"][paginated]["properties"]) == {
        "count", "next", "previous", "results",
    }  # fmt: skip


def test_query_parameters_describe_the_strict_parsing(document: dict) -> None:
    params = {
        p["name"]: p["schema"]
        for p in document["paths"]["/api/v1/editor/pages/"]["get"]["parameters"]
    }
    assert params["page"] == {"type": "integer", "minimum": 1, "maximum": 10**12}
    assert params["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert params["parent"]["maximum"] == 2**63 - 1 and params["is_home"]["type"] == "boolean"
    assert params["status"]["enum"] == ["draft", "published"]
    assert params["ordering"]["minItems"] == 1  # `?ordering=` is refused, not an empty list
    assert params["q"] == {"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"}
    public = document["paths"]["/api/v1/pages/"]["get"]["parameters"]
    assert {p["name"]: p["schema"] for p in public}["lang"]["pattern"] == "^[^\\u0000]*$"
    upload = document["paths"]["/api/v1/editor/media/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    assert "image/png" in upload["multipart/form-data"]["encoding"]["file"]["contentType"]


def test_links_lead_from_editor_answers_to_public_operations(document: dict) -> None:
    created = document["paths"]["/api/v1/editor/pages/"]["post"]["responses"]["201"]
    assert created["links"]["page_by_path"] == {
        "operationId": "page_by_path",
        "parameters": {"path": "$response.body#/path"},
    }
    operation_ids = {op["operationId"] for _, _, op in _operations(document)}
    assert {"page_by_path", "redirect_resolve"} <= operation_ids
    # every editor list leads to its items (contact submissions have no other producer)
    listing = document["paths"]["/api/v1/editor/contact-submissions/"]["get"]["responses"]
    (link,) = listing["200"]["links"].values()
    assert link["parameters"] == {"id": "$response.body#/results/0/id"}
    revisions = document["paths"]["/api/v1/editor/pages/{id}/revisions/"]["get"]["responses"]
    (restore,) = revisions["200"]["links"].values()
    assert restore["parameters"]["revision_id"] == "$response.body#/0/id"


@pytest.mark.django_db
def test_the_served_document_is_the_generated_one(tenant_a, client_for) -> None:
    resp = client_for(tenant_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    served = resp.json()
    assert served["components"]["schemas"]["PageEditorRequest"]["additionalProperties"] is False
    assert "409" in served["paths"]["/api/v1/editor/pages/{id}/"]["delete"]["responses"]
