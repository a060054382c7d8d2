"""The published OpenAPI document says what the app does: keys, roles, errors, examples, limits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.access import PUBLIC, RULES
from service.app import create_app
from service.openapi import API_KEY_SCHEME, USCC_PATTERN, example_of
from service.settings import Settings

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The app's document, built once for the module's tests that only read it: it is made from
    the routes alone, the same on either database (serving it is tested on each, below)."""
    settings = Settings(
        database_url="sqlite://", log_json=False, log_level="WARNING", webhook_worker=False
    )
    return create_app(settings).openapi()


def test_the_document_is_served_with_a_key_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"][API_KEY_SCHEME] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "A key minted with `cohorts keys create --role ROLE`.",
    }


def test_every_operation_states_its_roles_from_the_access_table(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        roles = RULES[(method, path)]
        if roles == PUBLIC:
            assert operation["security"] == []
            assert "public, no key needed" in operation["description"]
        else:
            assert operation["security"] == [{API_KEY_SCHEME: []}]
            line = "**Roles allowed:** " + ", ".join(sorted(r.value for r in roles)) + "."
            assert line in operation["description"], (method, path)
            assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)


def test_every_error_is_a_problem_and_no_fastapi_422_remains(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
        for code, response in errors.items():
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, (
                method,
                path,
                code,
            )
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in errors, (method, path)
        if "{" in path:
            assert "404" in errors, (method, path)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert problem["additionalProperties"] is True
    assert "errors" in problem["properties"]
    assert "request_id" in problem["properties"]


def test_the_put_of_a_firm_documents_its_preconditions(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/firms/{uscc}"]["put"]
    assert {"201", "412", "413"} <= set(operation["responses"])


def test_schema_names_are_clean_and_every_reference_resolves(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", name) for name in names), sorted(names)
    assert {"SchemesRatingIn", "SelectionRatingIn", "NominationList"} <= names
    referenced = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert referenced <= names, referenced - names


def test_every_json_body_has_an_example_of_its_schema(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            assert "example" in content["application/json"], (method, path)


def test_the_uscc_path_parameter_carries_its_pattern(document: dict[str, Any]) -> None:
    operation = document["paths"]["/v1/firms/{uscc}"]["get"]
    (uscc,) = [p for p in operation["parameters"] if p["name"] == "uscc"]
    assert uscc["schema"]["pattern"] == USCC_PATTERN
    assert re.fullmatch(USCC_PATTERN, "91110108MA0000001D")


def test_the_candidate_list_states_its_row_limit(document: dict[str, Any]) -> None:
    listing = document["components"]["schemas"]["NominationList"]
    assert {branch.get("maxItems") for branch in listing["anyOf"]} >= {100_000}


def test_a_generated_example_follows_types_formats_and_required_fields() -> None:
    schemas = {"In": {"type": "object", "required": ["on", "n"], "properties": {
        "on": {"type": "string", "format": "date"},
        "n": {"type": "integer", "minimum": 3},
        "skip": {"type": "string"},
    }}}
    assert example_of({"$ref": "#/components/schemas/In"}, schemas) == {"on": "2026-03-01", "n": 3}
