"""One pagination dependency for every list: cursor, page size from the settings, page builder."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.service.selection.builders import open_round

Headers = Callable[[str], dict[str, str]]


def _ids(client: TestClient, as_role: Headers, **params: str) -> tuple[list[int], str | None]:
    response = client.get("/v1/rounds", params=params, headers=as_role("admin"))
    assert response.status_code == 200, response.text
    body = response.json()
    return [item["id"] for item in body["items"]], body["next_cursor"]


def test_page_size_defaults_to_the_setting_and_cursors_walk_every_item(
    app: FastAPI, client: TestClient, as_role: Headers
) -> None:
    opened = sorted((open_round(client, as_role) for _ in range(3)), reverse=True)
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"page_size_default": 2})
    try:
        first, cursor = _ids(client, as_role)
        assert first == opened[:2]
        assert cursor is not None
        second, last = _ids(client, as_role, cursor=cursor)
        assert second == opened[2:]
        assert last is None
    finally:
        app.state.settings = settings


@pytest.mark.parametrize(("limit", "maximum"), [(1001, 1000), (3, 2)])
def test_a_page_over_the_maximum_is_a_422_naming_limit(
    app: FastAPI, client: TestClient, as_role: Headers, limit: int, maximum: int
) -> None:
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"page_size_max": maximum})
    try:
        response = client.get("/v1/rounds", params={"limit": limit}, headers=as_role("admin"))
    finally:
        app.state.settings = settings
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["query", "limit"], "message": f"Input should be less than or equal to {maximum}"}
    ]


@pytest.mark.parametrize("path", ["/v1/rounds", "/v1/audit", "/v1/firms", "/v1/cohorts/changes"])
def test_limit_zero_and_a_foreign_cursor_are_422s(
    client: TestClient, as_role: Headers, path: str
) -> None:
    zero = client.get(path, params={"limit": 0}, headers=as_role("admin"))
    assert zero.status_code == 422
    assert zero.json()["errors"][0]["loc"] == ["query", "limit"]
    forged = client.get(path, params={"cursor": "bm90LW91cnM"}, headers=as_role("admin"))
    assert forged.status_code == 422
    assert forged.json()["errors"] == [{"loc": ["query", "cursor"], "message": "malformed cursor"}]


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ("/v1/rounds", {"id": 2**63}),
        ("/v1/audit", {"id": -(2**64)}),
        ("/v1/cohorts/changes", {"seq": 10**30}),
        ("/v1/firms", {"uscc": "\ud800"}),
        ("/v1/firms", {"uscc": "\x00"}),
    ],
)
def test_a_forged_cursor_out_of_the_databases_range_is_a_422(
    client: TestClient, as_role: Headers, path: str, position: dict[str, object]
) -> None:
    # Well-formed JSON of the right type, but no database can compare a column with it.
    raw = json.dumps(position).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    forged = client.get(path, params={"cursor": cursor}, headers=as_role("admin"))
    assert forged.status_code == 422, forged.text
    assert forged.json()["errors"] == [{"loc": ["query", "cursor"], "message": "malformed cursor"}]
