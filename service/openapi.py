"""The OpenAPI document, made to say what the app does around its routes, in one pass.

FastAPI describes what each route declares. This pass adds, for every operation present (so a
route added later gets it too): the ``X-API-Key`` scheme (none on public routes), the roles
allowed from the one access table, the ``application/problem+json`` errors the app can answer,
an example for each JSON request body, the USCC pattern and the list limit, and schema names
without module prefixes. FastAPI's own 422 shape is replaced by the problem the app sends.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from schemas.intake import MAX_JSON_ROWS, NominationRow
from schemas.problems import Problem
from service.access import PUBLIC, rule_for
from service.problems import PROBLEM_MEDIA_TYPE

__all__ = ["API_KEY_SCHEME", "USCC_PATTERN", "build_document", "install_openapi"]

API_KEY_SCHEME = "ApiKey"
USCC_PATTERN = r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$"
"""The canonical 18 characters (GB 32100); the service also folds case, spaces and full width."""

_UNSAFE = frozenset({"post", "put", "patch", "delete"})
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")
# What each error means on an operation, in the words a client reads.
_ERRORS: dict[int, str] = {
    400: "The body cannot be parsed (malformed JSON or form).",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not call this operation.",
    404: "Something named in the path does not exist.",
    409: "The current state of the data forbids the request.",
    412: "`If-Match` or `If-None-Match` does not hold.",
    413: "The body or the list is over a configured limit.",
    415: "The body is in a format this operation does not read.",
    422: "The request breaks the contract; `errors` says where.",
    429: "Over the rate allowed from one address; retry after `Retry-After` seconds.",
    503: "The database is busy (a lock wait timed out); retry after `Retry-After` seconds.",
}
_CANDIDATE_ROW = {
    "uscc": "91110108MA0000001D",
    "name": "北辰智算科技股份有限公司（示例）",
    "founded_on": "2009-06-18",
    "sector": "ai",
    "listed": True,
    "cohort": "leader",
    "fiscal_year": 2025,
    "revenue": 2634719376,
    "rd_expense": 233570766,
    "employees": 3364,
}
# Request bodies worth more than a generated example, by schema name (those of the README's
# worked round, seed_data/examples/worked_round.py, among them).
_EXAMPLES: dict[str, Any] = {
    "NominationList": {"rows": [_CANDIDATE_ROW]},
    "EvaluateRequest": {"reference_date": "2026-06-30", "rows": [_CANDIDATE_ROW]},
    "RoundIn": {
        "name": "Worked example 2026 (SYNTHETIC)",
        "year": 2026,
        "reference_date": "2026-06-30",
        "capacities": {"leader": 1, "hidden-champion": 2, "seed": 3},
    },
    "RoundStateIn": {"state": "scoring"},
    "ScoreRunIn": {"sensitivity_draws": 200, "sensitivity_seed": 0},
    "RatingsIn": {
        "ratings": [
            {"criterion": "business_model_innovation", "score": 8, "comment": "clear path"},
            {"criterion": "hard_tech_distinctiveness", "score": 7},
        ]
    },
    "ConflictIn": {"reason": "I advised this firm in 2025"},
    "DecisionsIn": {
        "decisions": [
            {"nomination_id": 1, "outcome": "select"},
            {
                "nomination_id": 2,
                "outcome": "waitlist",
                "reason": "next in line if a selected firm withdraws",
            },
        ]
    },
    "PublishIn": {"valid_from": "2026-07-01", "validity_years": 3},
    "FirmIn": {
        "name": "北辰智算科技股份有限公司（示例）",
        "name_en": "Beichen AI Computing (example)",
        "founded_on": "2009-06-18",
        "sector": "ai",
        "listed": True,
    },
    "FilingIn": {"revenue": 2634719376, "rd_expense": 233570766, "employees": 3364},
    "TrainingRequest": {"source": "registry", "kind": "auto", "name": "registry model 2026"},
    "WebhookIn": {
        "url": "https://tracker.example.org/hooks/cohorts",
        "event_types": ["membership.added"],
        "description": "the programme tracker",
    },
}


def install_openapi(app: FastAPI) -> None:
    """Serve ``build_document(app)`` as the app's OpenAPI document, built once on first use."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document for ``app``'s routes with security, roles, errors, examples and limits."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    components: dict[str, Any] = document.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    _declare_shared_schemas(schemas)
    components["securitySchemes"] = {
        API_KEY_SCHEME: {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A key minted with `cohorts keys create --role ROLE`.",
        }
    }
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            roles = rule_for(method, path)
            _state_access(operation, roles)
            _constrain_parameters(operation)
            _declare_errors(operation, method, path, roles)
            _give_example(operation, schemas)
    for name in _FASTAPI_422:
        schemas.pop(name, None)
    _rename_schemas(document)
    return document


def _declare_shared_schemas(schemas: dict[str, Any]) -> None:
    """The problem document (extensions allowed, as RFC 9457 says) and the JSON candidate list."""
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    problem["additionalProperties"] = True
    problem["properties"]["request_id"] = {
        "type": "string",
        "description": "The request's `X-Request-ID`, to find it in the logs.",
    }
    schemas["Problem"] = problem
    row = NominationRow.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in row.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault("NominationRow", row)
    row_list = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/NominationRow"},
        "maxItems": MAX_JSON_ROWS,
    }
    schemas["NominationList"] = {
        "title": "NominationList",
        "description": "A candidate list: `{\"rows\": [...]}` or the bare list of rows "
        f"(at most {MAX_JSON_ROWS:,} rows; the server's `max_rows` setting may lower it).",
        "anyOf": [
            {
                "type": "object",
                "properties": {"rows": row_list},
                "required": ["rows"],
            },
            row_list,
        ],
    }


def _state_access(operation: dict[str, Any], roles: frozenset[Any] | None) -> None:
    """Say who may call the operation, from the access table, and which scheme it needs."""
    if roles == PUBLIC:
        operation["security"] = []
        line = "**Access:** public, no key needed."
    else:
        operation["security"] = [{API_KEY_SCHEME: []}]
        names = ", ".join(sorted(str(role) for role in roles or ()))
        line = f"**Roles allowed:** {names}." if names else "**Roles allowed:** none (no rule)."
    description = operation.get("description", "").rstrip()
    operation["description"] = f"{description}\n\n{line}" if description else line


def _constrain_parameters(operation: dict[str, Any]) -> None:
    """Put the constraints the service checks on parameters the route declares loosely."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "uscc":
            parameter["schema"] = {
                "type": "string",
                "pattern": USCC_PATTERN,
                "minLength": 18,
                "maxLength": 18,
                "title": "USCC",
                "description": "Unified Social Credit Code, checksum-validated.",
                "examples": ["91110108MA0000001D"],
            }


def _declare_errors(
    operation: dict[str, Any], method: str, path: str, roles: frozenset[Any] | None
) -> None:
    """List the problem responses the app can answer for this operation."""
    parameters = operation.get("parameters", [])
    body = operation.get("requestBody")
    statuses: set[int] = set()
    if roles != PUBLIC:
        statuses |= {401, 403, 503}
    if "{" in path:
        statuses.add(404)
    if method in _UNSAFE and roles != PUBLIC:
        statuses.add(409)
    if _has_header(parameters, "if-match") or (
        method in _UNSAFE and _has_header(parameters, "if-none-match")
    ):
        statuses.add(412)
    if body is not None:
        statuses |= {400, 413}
        if len(body.get("content", {})) > 1:
            statuses.add(415)
    if parameters or body is not None or "422" in operation.get("responses", {}):
        statuses.add(422)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    # Errors a route declares itself keep their words but take the problem's shape.
    declared = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
    for status in sorted(statuses | declared):
        description = responses.get(str(status), {}).get("description")
        if description in (None, "Validation Error"):  # FastAPI's words for its own 422
            description = _ERRORS[status]
        responses[str(status)] = {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    if _has_header(parameters, "if-none-match"):
        responses.setdefault("304", {"description": "Not modified: `If-None-Match` matched."})
    for status in {429, 503} & (statuses | declared):
        responses[str(status)]["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }


def _has_header(parameters: list[dict[str, Any]], name: str) -> bool:
    return any(p.get("in") == "header" and p.get("name", "").lower() == name for p in parameters)


def _give_example(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An example for the JSON body: a hand-written one by schema name, else one generated."""
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None or "example" in media or "examples" in media:
        return
    schema = media.get("schema", {})
    # A body that may be omitted is ``anyOf: [{$ref}, {type: null}]``.
    refs = [schema, *schema.get("anyOf", [])]
    name = next((r["$ref"].rsplit("/", 1)[-1] for r in refs if "$ref" in r), "")
    media["example"] = (
        copy.deepcopy(_EXAMPLES[name]) if name in _EXAMPLES else example_of(schema, schemas)
    )


_PLAIN: dict[str, Callable[[dict[str, Any]], Any]] = {
    "integer": lambda s: int(s.get("minimum", s.get("exclusiveMinimum", 0) + 1)),
    "number": lambda s: s.get("minimum", 1.0),
    "boolean": lambda _s: True,
    "null": lambda _s: None,
}
_FORMATS = {
    "date": "2026-03-01",
    "date-time": "2026-03-01T09:00:00Z",
    "uri": "https://receiver.example.org/hooks",
    "email": "office@example.org",
}


def example_of(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value of ``schema``: its own example or default where it has one, else built from its
    type (required properties only, one item per list)."""
    if "$ref" in schema:
        return example_of(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas, depth + 1)
    for key in ("example", "default", "const"):
        if key in schema:
            return copy.deepcopy(schema[key])
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        branches = [b for b in schema.get(key, []) if b.get("type") != "null"]
        if branches:
            return example_of(branches[0], schemas, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 8:
            return {}
        required = schema.get("required", [])
        return {
            name: example_of(sub, schemas, depth + 1)
            for name, sub in schema.get("properties", {}).items()
            if name in required
        }
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example_of(schema.get("items", {}), schemas, depth + 1) for _ in range(count)]
    if kind == "string":
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        return "x" * max(1, int(schema.get("minLength", 0))) if "minLength" in schema else "text"
    if isinstance(kind, str) and kind in _PLAIN:
        return _PLAIN[kind](schema)
    return None


def _clean(name: str) -> str:
    """``schemas__selection__RatingIn`` → ``SelectionRatingIn``; ``Page_X_`` → ``PageX``."""
    if "__" in name:
        module, _, short = name.rpartition("__")
        name = module.rsplit("__", 1)[-1].capitalize() + short
    parts = [part for part in re.split(r"[^0-9A-Za-z]+", name) if part]
    return "".join(part[0].upper() + part[1:] for part in parts)


def _rename_schemas(document: dict[str, Any]) -> None:
    """Give every component schema a clean, unique name, and point every ``$ref`` at it."""
    schemas: dict[str, Any] = document["components"]["schemas"]
    renamed: dict[str, str] = {}
    for name in schemas:
        clean = _clean(name)
        if clean in renamed.values() or (clean != name and clean in schemas):
            clean = name  # keep a name that would collide: never merge two schemas
        renamed[name] = clean
    document["components"]["schemas"] = {renamed[name]: body for name, body in schemas.items()}
    prefix = "#/components/schemas/"

    def point(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                node["$ref"] = prefix + renamed.get(ref[len(prefix) :], ref[len(prefix) :])
            for value in node.values():
                point(value)
        elif isinstance(node, list):
            for value in node:
                point(value)

    point(document)
