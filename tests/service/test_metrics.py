"""/metrics: requests by route template and status, intake rows, score runs; admins only, or
anyone on the metrics port when one is set."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Connection, text

from service.settings import Settings
from tests.service.builders import candidate_row, make_uscc, open_round

Headers = Callable[[str], dict[str, str]]


def _samples(
    client: TestClient, as_role: Headers
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", headers=as_role("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_for_admins_only(client: TestClient, as_role: Headers) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=as_role("officer")).status_code == 403
    assert ("cohorts_score_run_duration_seconds_count", frozenset()) in _samples(client, as_role)


def test_requests_are_counted_by_route_template_and_status(
    client: TestClient, as_role: Headers
) -> None:
    before = _samples(client, as_role)
    route = "/v1/firms/{uscc}"
    for serial in (1, 2):
        client.get(f"/v1/firms/{make_uscc(serial)}", headers=as_role("admin"))
    after = _samples(client, as_role)
    counted = "cohorts_http_requests_total"
    labels = {"method": "GET", "route": route, "status": "404"}
    assert _value(after, counted, **labels) - _value(before, counted, **labels) == 2
    timed = "cohorts_http_request_duration_seconds_count"
    assert (
        _value(after, timed, method="GET", route=route)
        - _value(before, timed, method="GET", route=route)
        == 2
    )


def test_intake_rows_are_counted_stored_and_rejected(client: TestClient, as_role: Headers) -> None:
    round_id = open_round(client, as_role)
    before = _samples(client, as_role)
    rows = [candidate_row(70), candidate_row(71), candidate_row(72, employees=-1)]
    url = f"/v1/rounds/{round_id}/nominations"
    refused = client.post(url, json={"rows": rows}, headers=as_role("officer"))
    assert refused.status_code == 422
    partial = client.post(
        url, json={"rows": rows}, params={"mode": "partial"}, headers=as_role("officer")
    )
    assert partial.status_code == 201, partial.text
    after = _samples(client, as_role)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("cohorts_intake_rows_total", outcome="stored") == 2
    assert delta("cohorts_intake_rows_total", outcome="rejected") == 1 + 1
    assert delta("cohorts_intake_lists_total", status="422") == 1
    assert delta("cohorts_intake_lists_total", status="201") == 1


def _scrape(port: int) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)


def test_with_a_metrics_port_metrics_are_served_there_without_a_key_and_not_on_the_api(
    make_app: Callable[..., FastAPI], app_settings: Settings, as_role: Headers
) -> None:
    app = make_app(app_settings.model_copy(update={"metrics_port": 0}))
    with TestClient(app) as client:
        server = app.state.metrics_server
        assert server is not None
        assert server.server.server_address[0] == "127.0.0.1"  # loopback unless told otherwise
        assert client.get("/metrics", headers=as_role("admin")).status_code == 404
        client.get(f"/v1/firms/{make_uscc(3)}", headers=as_role("admin"))
        scraped = _scrape(server.port)
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
        requests = families["cohorts_http_requests"].samples
        assert any(
            s.labels == {"method": "GET", "route": "/v1/firms/{uscc}", "status": "404"}
            and s.value == 1
            for s in requests
        )
        assert any(
            s.labels == {"method": "GET", "route": "unmatched", "status": "404"}
            for s in requests
        )
        port = server.port
    assert app.state.metrics_server is None
    with pytest.raises(httpx.TransportError):  # the port is released with the app
        _scrape(port)


def test_every_metric_family_the_operators_need_is_exposed(
    client: TestClient, as_role: Headers
) -> None:
    client.get("/healthz")
    response = client.get("/metrics", headers=as_role("admin"))
    families = {f.name: f.type for f in text_string_to_metric_families(response.text)}
    assert families == families | {
        "cohorts_http_requests": "counter",
        "cohorts_http_request_duration_seconds": "histogram",
        "cohorts_intake_rows": "counter",
        "cohorts_intake_lists": "counter",
        "cohorts_score_run_duration_seconds": "histogram",
        "cohorts_webhook_queue_depth": "gauge",
        "cohorts_webhook_attempts": "counter",
        "cohorts_webhook_failures": "counter",
    }



def test_a_scrape_still_answers_when_the_webhook_queue_cannot_be_counted(
    client: TestClient, as_role: Headers, bind: Connection | None
) -> None:
    assert bind is not None
    # A real database failure, undone with the test's transaction: the queue's tables are gone.
    bind.execute(text("DROP TABLE webhook_attempts"))
    bind.execute(text("DROP TABLE webhook_deliveries"))
    response = client.get("/metrics", headers=as_role("admin"))
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert families["cohorts_webhook_queue_depth"].samples == []
    assert families["cohorts_intake_rows"].samples  # the other families are all there
