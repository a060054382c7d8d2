"""The shared path and query parameters: one id range, one cohort type."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Headers = Callable[[str], dict[str, str]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/cohorts/champions/members",
        "/v1/rounds/1/cohorts/champions/shortlist",
        "/v1/rounds/1/nominations?cohort=champions",
    ],
)
def test_an_unknown_cohort_is_a_422_listing_the_three(
    client: TestClient, as_role: Headers, path: str
) -> None:
    response = client.get(path, headers=as_role("admin"))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"][-1] == "cohort"
    assert error["message"] == "Input should be 'leader', 'hidden-champion' or 'seed'"


@pytest.mark.parametrize("round_id", ["0", str(2**31), "x"])
def test_an_id_outside_the_database_range_is_a_422(
    client: TestClient, as_role: Headers, round_id: str
) -> None:
    response = client.get(f"/v1/rounds/{round_id}/kpis", headers=as_role("admin"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "round_id"]
