"""OPTIONS and 405 answers list every method the path supports."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.access import RULES

_PARAM = re.compile(r"\{\w+\}")


def test_options_lists_every_method_of_a_path(client: TestClient) -> None:
    response = client.options("/v1/schemes")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    firm = client.options("/v1/firms/91110108MA01ABCD2X")
    assert firm.headers["allow"] == "GET, HEAD, OPTIONS, PUT"


def test_a_405_names_every_method_of_the_path(client: TestClient) -> None:
    response = client.delete("/v1/schemes")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_path_is_still_a_404(client: TestClient) -> None:
    assert client.options("/v1/nowhere").status_code in (403, 404)


@pytest.mark.parametrize(("method", "path"), sorted(RULES))
def test_every_route_method_is_in_its_paths_allow(
    client: TestClient, method: str, path: str
) -> None:
    response = client.options(_PARAM.sub("1", path))
    assert response.status_code == 204
    assert method in response.headers["allow"].split(", ")


def test_head_is_answered_as_allow_says_with_gets_headers_and_no_body(
    client: TestClient, as_role: Callable[[str], dict[str, str]]
) -> None:
    # Allow named HEAD on every GET path, yet a HEAD was a 405.
    for path, headers in [("/healthz", {}), ("/v1/schemes", as_role("admin"))]:
        got = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert head.status_code == got.status_code == 200, head.text
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == got.headers["content-length"]
    assert client.head("/v1/schemes").status_code == 401  # the GET's rule still holds
    assert client.head("/v1/rounds/1/publish").status_code == 405
