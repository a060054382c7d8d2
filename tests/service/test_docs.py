"""/docs and /redoc work offline: every asset they reference is served by the app itself."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_reference_no_external_host_and_their_assets_are_served(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", response.text), response.text
    references = _REFERENCE.findall(response.text)
    assert any(ref.endswith(".js") for ref in references), references
    for reference in references:
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 0


def test_the_openapi_document_the_docs_load_is_served(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "Cohort selection service"
