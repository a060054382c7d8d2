"""A NUL character in any path or query parameter is a 422 naming it, on every route."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.access import RULES

Headers = Callable[[str], dict[str, str]]

_PARAM = re.compile(r"\{(\w+)\}")
# The access table names every route (tests/service/test_access.py holds it to that).
_ROUTES = sorted(RULES)


def _caller(method: str, path: str, as_role: Headers) -> dict[str, str]:
    roles = sorted(role.value for role in RULES[(method, path)])
    return as_role(roles[0]) if roles else {}


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/firms?q=a%00b", "q"),
        ("/v1/schemes?cohort=leader%00", "cohort"),
        ("/v1/audit?actor=a%00b", "actor"),
        ("/v1/audit?action=a%00b", "action"),
        ("/v1/audit?target_type=a%00b", "target_type"),
        ("/v1/audit?target_id=a%00b", "target_id"),
    ],
)
def test_nul_in_a_filter_is_a_422_naming_it(
    client: TestClient, as_role: Headers, url: str, parameter: str
) -> None:
    response = client.get(url, headers=as_role("admin"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["query", parameter], "message": "contains a NUL character"}
    ]


@pytest.mark.parametrize(("method", "path"), _ROUTES)
def test_every_route_refuses_nul_in_its_parameters(
    client: TestClient, as_role: Headers, method: str, path: str
) -> None:
    names = _PARAM.findall(path)
    url = _PARAM.sub("a%00b", path) + "?probe=x%00"
    response = client.request(method, url, headers=_caller(method, path, as_role))
    assert response.status_code == 422, response.text
    expected = [["path", name] for name in names] + [["query", "probe"]]
    if path.startswith("/ui"):
        # A page answers with a page that lists the same locations.
        assert response.headers["content-type"].startswith("text/html")
        for loc in expected:
            assert " → ".join(loc) in response.text
        return
    locs = [error["loc"] for error in response.json()["errors"]]
    assert locs == expected



def test_a_repeated_single_valued_query_parameter_is_refused(
    client: TestClient, as_role: Callable[[str], dict[str, str]]
) -> None:
    response = client.get(
        "/v1/schemes", params=[("cohort", "leader"), ("cohort", "seed")], headers=as_role("admin")
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"loc": ["query", "cohort"], "message": "takes one value; it was repeated"}
    ]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("q=%ff", "q"), ("q=caf%e9", "q"), ("q=%ed%a0%80", "q"), ("q=%c0%80", "q")],
)
def test_a_query_value_that_is_not_utf8_is_a_422_naming_it(
    client: TestClient, as_role: Headers, query: str, parameter: str
) -> None:
    # Read leniently, each bad byte became U+FFFD and the search ran for that.
    response = client.get(f"/v1/firms?{query}", headers=as_role("officer"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"loc": ["query", parameter], "message": "is not UTF-8 text once percent-decoded"}
    ]


def test_percent_encoded_utf8_is_still_read(client: TestClient, as_role: Headers) -> None:
    response = client.get("/v1/firms?q=%E4%B8%AD%EF%BF%BD+x", headers=as_role("officer"))
    assert response.status_code == 200, response.text
