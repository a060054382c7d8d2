"""Liveness, readiness, request ids and problem documents for unknown routes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["revision"] == ready.json()["head"]


def test_readyz_is_503_before_migrations(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", log_json=False))
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["revision"] is None


def test_request_id_is_echoed_or_minted(client: TestClient) -> None:
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    minted = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert minted.headers["x-request-id"] != "bad id with spaces"
    assert len(minted.headers["x-request-id"]) == 32


def test_unknown_route_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/nowhere")
    assert response.status_code in (403, 404)
    assert response.headers["content-type"] == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(response.json())


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Cohort selection service"
    assert "/v1/rounds/{round_id}/nominations" in spec["paths"]


def test_a_500_carries_its_request_id_in_header_body_and_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # An unmigrated database: looking the key up fails in the driver, a genuine unexpected error.
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", log_json=True))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(
            "/v1/whoami", headers={"X-API-Key": "ck_nope_nope", "X-Request-ID": "trace-500"}
        )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-500"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == "trace-500"
    lines = capfd.readouterr().err.splitlines()
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    errors = [line for line in logged if line["level"] == "ERROR"]
    assert errors
    assert all(line["request_id"] == "trace-500" for line in errors)
