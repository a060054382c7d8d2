"""A client's mistake is a problem document, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.builders import candidate_row, make_uscc

Headers = Callable[[str], dict[str, str]]


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"\x00\x00",
        b'{"rows": "nope"}',
        b"[]",
        b'{"rows": [1, 2]}',
        '{"rows": [{"uscc": "\ud800"}]}'.encode("utf-8", "surrogatepass"),
    ],
)
def test_malformed_json_lists(client: TestClient, as_role: Headers, body: bytes) -> None:
    round_id = client.post(
        "/v1/rounds",
        json={"name": "r", "year": 2026, "reference_date": "2026-06-30"},
        headers=as_role("admin"),
    ).json()["id"]
    response = client.post(
        f"/v1/rounds/{round_id}/nominations",
        content=body,
        headers={**as_role("officer"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"name": "x" * 5000}, "name"),
        ({"ip_class1": 2**70}, "ip_class1"),
        ({"founded_on": "2018-02-30"}, "founded_on"),
        ({"employees": -1}, "employees"),
        ({"employees": 5, "rd_staff": 6}, "rd_staff"),
        ({"uscc": "91110108MA0000001X"}, "uscc"),
    ],
)
def test_each_bad_value_names_row_and_field(
    client: TestClient, as_role: Headers, change: dict[str, Any], field: str
) -> None:
    round_id = client.post(
        "/v1/rounds",
        json={"name": "r", "year": 2026, "reference_date": "2026-06-30"},
        headers=as_role("admin"),
    ).json()["id"]
    rows = [candidate_row(1), candidate_row(2, **change)]
    response = client.post(
        f"/v1/rounds/{round_id}/nominations", json={"rows": rows}, headers=as_role("officer")
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["row"] == 2 and e["field"] == field for e in errors), errors


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/firms/%00"),
        ("GET", f"/v1/firms/{'9' * 300}"),
        ("GET", "/v1/rounds/99999999999999999999"),
        ("GET", "/v1/rounds/-1"),
        ("PUT", f"/v1/firms/{make_uscc(1)}/filings/99999999999999999999"),
        ("GET", "/v1/firms?limit=99999999999999999999"),
        ("GET", "/v1/audit?since=2018-02-30T00:00:00"),
    ],
)
def test_bad_paths_and_queries(
    client: TestClient, as_role: Headers, method: str, path: str
) -> None:
    response = client.request(method, path, headers=as_role("admin"), json={})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
