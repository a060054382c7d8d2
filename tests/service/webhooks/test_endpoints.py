"""Subscribing receivers: the secret shown once, bad input refused with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.selection.builders import Headers

# Workers, receivers and servers use real connections of their own.
pytestmark = pytest.mark.own_database

EVENTS = ["membership.added", "round.state_changed"]


def subscribe(client: TestClient, as_role: Headers, url: str, **extra: Any) -> dict[str, Any]:
    """A new endpoint; its JSON (with the secret)."""
    response = client.post(
        "/v1/webhooks",
        json={"url": url, "event_types": EVENTS, **extra},
        headers=as_role("admin"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_secret_is_shown_once_and_the_endpoint_listed_without_it(
    hook_client: TestClient, as_role: Headers
) -> None:
    created = subscribe(hook_client, as_role, "http://127.0.0.1:9/hooks", description="tracker")
    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True
    assert created["event_types"] == sorted(EVENTS)
    listed = hook_client.get("/v1/webhooks", headers=as_role("admin")).json()
    assert [e["id"] for e in listed["items"]] == [created["id"]]
    assert listed["next_cursor"] is None
    one = hook_client.get(f"/v1/webhooks/{created['id']}", headers=as_role("admin")).json()
    assert "secret" not in one
    assert "secret" not in listed["items"][0]
    assert created["secret"] not in hook_client.get("/v1/audit", headers=as_role("admin")).text

    deleted = hook_client.delete(f"/v1/webhooks/{created['id']}", headers=as_role("admin"))
    assert deleted.status_code == 204
    gone = hook_client.get(f"/v1/webhooks/{created['id']}", headers=as_role("admin"))
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://10.0.0.7/hooks", "event_types": EVENTS}, "url"),
        ({"url": "http://169.254.169.254/", "event_types": EVENTS}, "url"),
        ({"url": "http://[::ffff:192.168.1.1]/", "event_types": EVENTS}, "url"),
        ({"url": "ftp://127.0.0.1/hooks", "event_types": EVENTS}, "url"),
        ({"url": "javascript:alert(1)", "event_types": EVENTS}, "url"),
        ({"url": "http://8.8.8.8/a\x00b", "event_types": EVENTS}, "url"),
        ({"url": "http://8.8.8.8/a b", "event_types": EVENTS}, "url"),
        ({"url": "http://127.0.0.1/" + "a" * 2000, "event_types": EVENTS}, "url"),
        ({"url": "http://127.0.0.1/hooks", "event_types": ["membership.exploded"]}, "event_types"),
        ({"url": "http://127.0.0.1/hooks", "event_types": []}, "event_types"),
        ({"url": "http://127.0.0.1/hooks"}, "event_types"),
        ({"url": "http://127.0.0.1/hooks", "event_types": EVENTS, "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    hook_client: TestClient, as_role: Headers, body: dict[str, Any], field: str
) -> None:
    response = hook_client.post("/v1/webhooks", json=body, headers=as_role("admin"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert any(field in error["loc"] for error in problem["errors"]), problem
    listed = hook_client.get("/v1/webhooks", headers=as_role("admin")).json()
    assert listed["items"] == []
    audit = hook_client.get("/v1/audit", headers=as_role("admin")).json()
    assert not [e for e in audit["items"] if e["action"].startswith("webhook.")]


def test_unknown_ids_are_404_problems(hook_client: TestClient, as_role: Headers) -> None:
    admin = as_role("admin")
    assert hook_client.post("/v1/webhooks/77/enable", headers=admin).status_code == 404
    assert hook_client.get("/v1/webhooks/77/deliveries", headers=admin).status_code == 404
    assert hook_client.delete("/v1/webhooks/77", headers=admin).status_code == 404
    created = subscribe(hook_client, as_role, "http://127.0.0.1:9/hooks")
    retry = hook_client.post(f"/v1/webhooks/{created['id']}/deliveries/5/retry", headers=admin)
    assert retry.status_code == 404
    assert retry.headers["content-type"].startswith("application/problem+json")
