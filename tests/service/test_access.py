"""Every route against every role, from one explicit table kept here, apart from the code's own."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from service.access import RULES
from service.pages.views import router as pages_router
from tests.conftest import ROLES

ADMIN, OFFICER, REVIEWER, CHAIR, TRACKER = ROLES
STAFF = {ADMIN, OFFICER, REVIEWER, CHAIR}
EVERYONE = set(ROLES)
PUBLIC: set[str] = set()

# The expected access table, written out independently of service.access.RULES.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): {ADMIN},
    ("GET", "/v1/whoami"): EVERYONE,
    ("PUT", "/v1/firms/{uscc}"): {OFFICER, ADMIN},
    ("GET", "/v1/firms/{uscc}"): STAFF,
    ("GET", "/v1/firms"): STAFF,
    ("PUT", "/v1/firms/{uscc}/filings/{fiscal_year}"): {OFFICER, ADMIN},
    ("GET", "/v1/firms/{uscc}/filings"): STAFF,
    ("POST", "/v1/firms/{uscc}/funding-rounds"): {OFFICER, ADMIN},
    ("GET", "/v1/firms/{uscc}/funding-rounds"): STAFF,
    ("POST", "/v1/rounds"): {ADMIN},
    ("GET", "/v1/rounds"): STAFF,
    ("GET", "/v1/rounds/{round_id}"): STAFF,
    ("POST", "/v1/rounds/{round_id}/nominations"): {OFFICER, ADMIN},
    ("GET", "/v1/rounds/{round_id}/nominations"): STAFF,
    ("GET", "/v1/rounds/{round_id}/batches/{batch_id}"): {OFFICER, ADMIN},
    ("GET", "/v1/intake/columns"): {OFFICER, ADMIN},
    ("GET", "/v1/schemes"): STAFF,
    ("GET", "/v1/schemes/{scheme_id}"): STAFF,
    ("POST", "/v1/schemes"): {ADMIN},
    ("POST", "/v1/schemes/{scheme_id}/evaluate"): STAFF,
    ("GET", "/v1/growth-models"): {ADMIN},
    ("GET", "/v1/growth-models/{model_id}"): STAFF,
    ("POST", "/v1/growth-models/{model_id}/activate"): {ADMIN},
    ("POST", "/v1/growth-models"): {ADMIN},
    ("GET", "/v1/growth-models/jobs/{job_id}"): {ADMIN},
    ("GET", "/v1/audit"): {ADMIN},
    ("POST", "/v1/reviewers"): {ADMIN},
    ("GET", "/v1/reviewers"): {ADMIN, CHAIR},
    ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/assignments"): {ADMIN},
    ("POST", "/v1/rounds/{round_id}/assignments/edits"): {ADMIN},
    ("GET", "/v1/rounds/{round_id}/assignments"): {ADMIN, CHAIR, REVIEWER},
    ("GET", "/v1/rounds/{round_id}/progress"): {ADMIN, CHAIR},
    ("POST", "/v1/rounds/{round_id}/state"): {ADMIN},
    ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/score-runs"): {ADMIN},
    ("GET", "/v1/rounds/{round_id}/cohorts/{cohort}/score-runs/{run_id}"): {ADMIN},
    ("GET", "/v1/rounds/{round_id}/cohorts/{cohort}/shortlist"): STAFF,
    ("POST", "/v1/rounds/{round_id}/nominations/{nomination_id}/reviews"): {REVIEWER},
    ("POST", "/v1/rounds/{round_id}/nominations/{nomination_id}/conflicts"): {REVIEWER},
    ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/decisions"): {CHAIR},
    ("POST", "/v1/rounds/{round_id}/publish"): {ADMIN},
    ("POST", "/v1/rounds/{round_id}/notice"): {ADMIN},
    ("GET", "/v1/notices/{round_id}"): PUBLIC,
    ("POST", "/v1/notices/{round_id}/objections"): PUBLIC,
    ("GET", "/v1/rounds/{round_id}/objections"): {ADMIN, CHAIR},
    ("POST", "/v1/rounds/{round_id}/objections/{objection_id}/resolution"): {ADMIN},
    ("POST", "/v1/rounds/{round_id}/objections/{objection_id}/promotion"): {ADMIN},
    ("GET", "/v1/rounds/{round_id}/kpis"): STAFF,
    ("GET", "/v1/cohorts/{cohort}/members"): EVERYONE,
    ("GET", "/v1/firms/{uscc}/memberships"): EVERYONE,
    ("GET", "/v1/cohorts/changes"): EVERYONE,
    ("POST", "/v1/cohorts/{cohort}/members/{uscc}/end"): {ADMIN},
    ("POST", "/v1/webhooks"): {ADMIN},
    ("GET", "/v1/webhooks"): {ADMIN},
    ("GET", "/v1/webhooks/{webhook_id}"): {ADMIN},
    ("DELETE", "/v1/webhooks/{webhook_id}"): {ADMIN},
    ("POST", "/v1/webhooks/{webhook_id}/enable"): {ADMIN},
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): {ADMIN},
    ("GET", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): {ADMIN},
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): {ADMIN},
    # the committee's pages, signed in by cookie, under the API's rules
    ("GET", "/ui/login"): PUBLIC,
    ("POST", "/ui/login"): PUBLIC,
    ("POST", "/ui/logout"): PUBLIC,
    ("GET", "/ui"): EVERYONE,
    ("GET", "/ui/rounds"): STAFF,
    ("POST", "/ui/rounds"): {ADMIN},
    ("GET", "/ui/rounds/{round_id}"): STAFF,
    ("POST", "/ui/rounds/{round_id}/state"): {ADMIN},
    ("POST", "/ui/rounds/{round_id}/notice"): {ADMIN},
    ("POST", "/ui/rounds/{round_id}/publish"): {ADMIN},
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/score-runs"): {ADMIN},
    ("GET", "/ui/notices/{round_id}"): PUBLIC,
    ("POST", "/ui/notices/{round_id}/objections"): PUBLIC,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/shortlist"): STAFF,
    ("GET", "/ui/growth-models/{model_id}"): STAFF,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}"): STAFF,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/compare"): STAFF,
    ("GET", "/ui/rounds/{round_id}/cohorts/{cohort}/export"): STAFF,
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}/reviews"): {REVIEWER},
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/firms/{uscc}/conflicts"): {REVIEWER},
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/decisions/confirm"): {CHAIR},
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/decisions/edit"): {CHAIR},
    ("POST", "/ui/rounds/{round_id}/cohorts/{cohort}/decisions"): {CHAIR},
    ("GET", "/ui/assignments"): {REVIEWER},
    ("GET", "/ui/rounds/{round_id}/upload"): {OFFICER, ADMIN},
    ("POST", "/ui/rounds/{round_id}/upload"): {OFFICER, ADMIN},
}

# Values that satisfy each path parameter's syntax, so the gate, not routing, decides.
PATH_VALUES = {
    "uscc": "91110108MA01ABCD2X",
    "fiscal_year": "2024",
    "round_id": "1",
    "batch_id": "1",
    "cohort": "seed",
    "run_id": "1",
    "nomination_id": "1",
    "scheme_id": "seed",
    "model_id": "0123abcd",
    "job_id": "0123456789abcdef0123456789abcdef",
    "webhook_id": "1",
    "delivery_id": "1",
    "objection_id": "1",
}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation of the app, read from its OpenAPI document (no route hides from it),
    and every route of the pages' router (pages stay out of the API's schema)."""
    app.openapi_schema = None  # routes may have been added since the schema was cached
    paths = app.openapi()["paths"]
    operations = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    pages = {
        (method, route.path)
        for route in pages_router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    return sorted(operations | pages)


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no sample value for a parameter of {path}"
    return path


def test_every_route_has_an_expected_rule_and_a_code_rule(app: FastAPI) -> None:
    routes = set(_routes(app))
    assert routes == set(EXPECTED), "routes and the expected access table differ"
    assert routes == set(RULES), "routes and service.access.RULES differ"
    for key, roles in EXPECTED.items():
        assert {r.value for r in RULES[key]} == roles, key


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_role_on_every_route(
    client: TestClient, app: FastAPI, as_role: Callable[[str], dict[str, str]], role: str | None
) -> None:
    # Page forms carry the double-submit token; here every form has a valid one, so the access
    # rule alone decides (tests/service/pages checks the token itself).
    client.cookies.set("cohorts_csrf", "token")
    for method, path in _routes(app):
        allowed = EXPECTED[(method, path)]
        headers = as_role(role) if role else {}
        page = path.startswith("/ui")
        form = {"csrf_token": "token"} if page and method == "POST" else None
        response = client.request(
            method, _url(path), headers=headers, data=form, follow_redirects=False
        )
        if not allowed:
            assert response.status_code not in (401, 403), (method, path)
        elif role is None:
            # A page sends the signed-out caller to the sign-in form.
            expected = (303, "/ui/login") if page else (401, None)
            assert (response.status_code, response.headers.get("location")) == expected, (
                method,
                path,
                response.text,
            )
        elif role in allowed:
            assert response.status_code not in (401, 403), (method, path, role, response.text)
        else:
            assert response.status_code == 403, (method, path, role, response.text)
            media = "text/html; charset=utf-8" if page else "application/problem+json"
            assert response.headers["content-type"] == media


def test_unknown_and_revoked_keys_are_401(
    client: TestClient, api_keys: dict[str, str], app: FastAPI
) -> None:
    from service.keys import revoke_key

    assert client.get("/v1/whoami", headers={"X-API-Key": "ck_nope_nope"}).status_code == 401
    assert client.get("/v1/whoami", headers={"X-API-Key": "garbage"}).status_code == 401
    tampered = api_keys[ADMIN][:-2] + ("AA" if not api_keys[ADMIN].endswith("AA") else "BB")
    assert client.get("/v1/whoami", headers={"X-API-Key": tampered}).status_code == 401
    ok = client.get("/v1/whoami", headers={"X-API-Key": api_keys[ADMIN]})
    assert ok.status_code == 200
    assert ok.json()["role"] == ADMIN
    with app.state.write_sessions.begin() as session:
        revoke_key(session, key_id=ok.json()["key_id"])
    app.state.principal_cache.clear()  # what a revocation inside this process does
    assert client.get("/v1/whoami", headers={"X-API-Key": api_keys[ADMIN]}).status_code == 401


def test_a_revoked_key_stops_working_within_the_cache_ttl(
    app: FastAPI, api_keys: dict[str, str], make_app: Callable[..., FastAPI]
) -> None:
    import time

    from service.keys import revoke_key

    short = make_app(app.state.settings.model_copy(update={"key_cache_seconds": 0.5}))
    headers = {"X-API-Key": api_keys[REVIEWER]}
    with TestClient(short) as c:
        me = c.get("/v1/whoami", headers=headers)
        assert me.status_code == 200
        with app.state.write_sessions.begin() as session:
            revoke_key(session, key_id=me.json()["key_id"])
        time.sleep(0.6)
        assert c.get("/v1/whoami", headers=headers).status_code == 401


def test_a_route_without_a_rule_is_closed(
    as_role: Callable[[str], dict[str, str]], make_app: Callable[..., FastAPI]
) -> None:
    extra = make_app()

    @extra.get("/v1/unruled")
    def unruled() -> dict[str, str]:
        return {"open": "yes"}

    with TestClient(extra) as c:
        for role in ROLES:
            assert c.get("/v1/unruled", headers=as_role(role)).status_code == 403
        assert c.get("/v1/unruled").status_code == 403


def test_every_route_refuses_an_unknown_query_parameter(
    client: TestClient, app: FastAPI, as_role: Callable[[str], dict[str, str]]
) -> None:
    for method, path in _routes(app):
        if path.startswith("/ui"):
            continue  # pages read their own query strings (service.params.known_query_only)
        allowed = EXPECTED[(method, path)]
        role = ADMIN if ADMIN in allowed else min(allowed, default=None)
        headers = as_role(role) if role else {}
        response = client.request(method, _url(path), params={"sinse": "x"}, headers=headers)
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["errors"] == [
            {"loc": ["query", "sinse"], "message": "unknown parameter"}
        ], (method, path)
