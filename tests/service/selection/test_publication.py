"""Publication and membership: an atomic immutable snapshot, read cheaply by the tracker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.service.selection.builders import Headers, publish, scored_round, shortlist, to_state

COHORTS = ("leader", "hidden-champion", "seed")


def _select_inside(client: TestClient, as_role: Headers, round_id: int, cohort: str) -> list[str]:
    items = [i for i in shortlist(client, as_role("chair"), round_id, cohort)["items"]
             if i["within_capacity"]]
    response = client.post(
        f"/v1/rounds/{round_id}/cohorts/{cohort}/decisions",
        json={"decisions": [{"nomination_id": i["nomination_id"], "outcome": "select",
                             "reason": "selected before the reviewers rate it (test round)"}
                            for i in items]},
        headers=as_role("chair"))
    assert response.status_code == 201, response.text
    return sorted(i["uscc"] for i in items)


def published_round(client: TestClient, as_role: Headers) -> tuple[int, dict[str, list[str]]]:
    """A round with the firms inside each capacity line selected, decided and published."""
    round_id = scored_round(client, as_role, per_cohort=12, capacity=4, cohorts=COHORTS)
    selected = {c: _select_inside(client, as_role, round_id, c) for c in COHORTS}
    response = publish(client, as_role, round_id, valid_from="2026-01-01")
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["valid_until"] == "2029-01-01"
    assert body["members"] == {c: len(v) for c, v in selected.items()}
    return round_id, selected


def test_publishing_freezes_membership_and_decisions(client: TestClient, as_role: Headers) -> None:
    round_id, selected = published_round(client, as_role)
    again = client.post(f"/v1/rounds/{round_id}/publish", headers=as_role("admin"))
    assert again.status_code == 409
    late = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/decisions",
        json={"decisions": [{"nomination_id": 1, "outcome": "reject", "reason": "late"}]},
        headers=as_role("chair"))
    assert late.status_code == 409
    assert to_state(client, as_role, round_id, "scoring").status_code == 409
    members = client.get("/v1/cohorts/seed/members", params={"round_id": round_id},
                         headers=as_role("tracker"))
    assert members.status_code == 200
    assert sorted(m["uscc"] for m in members.json()["items"]) == selected["seed"]


def test_publishing_needs_a_round_in_notice(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=3, cohorts=())
    response = client.post(f"/v1/rounds/{round_id}/publish", headers=as_role("admin"))
    assert response.status_code == 409
    assert "'scoring'" in response.json()["detail"]


def test_the_tracker_reads_membership_only_with_etags(client: TestClient, as_role: Headers) -> None:
    round_id, selected = published_round(client, as_role)
    url = "/v1/cohorts/leader/members"
    current = client.get(url, params={"on": "2027-06-01"}, headers=as_role("tracker"))
    assert current.status_code == 200
    items = current.json()["items"]
    assert sorted(i["uscc"] for i in items) == selected["leader"]
    assert set(items[0]) == {"uscc", "name", "name_en", "cohort", "round_id", "valid_from",
                             "valid_until"}
    assert "private" in current.headers["cache-control"]
    etag = current.headers["etag"]
    assert etag.startswith('"')  # strong
    cached = client.get(url, params={"on": "2027-06-01"},
                        headers={**as_role("tracker"), "If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    stale = client.get(url, params={"on": "2027-06-01"},
                       headers={**as_role("tracker"), "If-None-Match": '"other"'})
    assert stale.status_code == 200
    expired = client.get(url, params={"on": "2029-01-01"}, headers=as_role("tracker"))
    assert expired.json()["items"] == []
    assert expired.headers["etag"] != etag
    forbidden = client.get(f"/v1/rounds/{round_id}/cohorts/leader/shortlist",
                           headers=as_role("tracker"))
    assert forbidden.status_code == 403
    firm = selected["leader"][0]
    by_firm = client.get(f"/v1/firms/{firm}/memberships", headers=as_role("tracker"))
    assert by_firm.status_code == 200
    assert [m["cohort"] for m in by_firm.json()["items"]] == ["leader"]
    again = client.get(f"/v1/firms/{firm}/memberships",
                       headers={**as_role("tracker"), "If-None-Match": by_firm.headers["etag"]})
    assert again.status_code == 304


def test_members_page_with_a_cursor(client: TestClient, as_role: Headers) -> None:
    round_id, selected = published_round(client, as_role)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"round_id": round_id, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/cohorts/seed/members", params=params,
                          headers=as_role("tracker")).json()
        seen.extend(m["uscc"] for m in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == selected["seed"]


def test_cors_preflight_only_for_configured_origins(
    app: FastAPI, make_app: Callable[..., FastAPI]
) -> None:
    settings = app.state.settings.model_copy(update={"cors_origins": ["https://tracker.example"]})
    cors_app = make_app(settings)
    with TestClient(cors_app) as c:
        allowed = c.options("/v1/cohorts/seed/members", headers={
            "Origin": "https://tracker.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-API-Key, If-None-Match"})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://tracker.example"
        assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
        other = c.options("/v1/cohorts/seed/members", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        simple = c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers
        exposed = c.get("/healthz", headers={"Origin": "https://tracker.example"})
        assert exposed.headers["access-control-allow-origin"] == "https://tracker.example"
        assert "etag" in exposed.headers["access-control-expose-headers"].lower()
    default = make_app()
    with TestClient(default) as c:
        none = c.options("/v1/cohorts/seed/members", headers={
            "Origin": "https://tracker.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in none.headers


def test_gzip_and_identity_are_distinct_representations(
    client: TestClient, as_role: Headers
) -> None:
    round_id, _selected = published_round(client, as_role)
    url = f"/v1/rounds/{round_id}/cohorts/leader/shortlist"
    zipped = client.get(url, headers={**as_role("chair"), "Accept-Encoding": "gzip"})
    plain = client.get(url, headers={**as_role("chair"), "Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.json() == plain.json()
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert zipped.headers["vary"] == "Accept-Encoding"
    again = client.get(url, headers={**as_role("chair"), "Accept-Encoding": "identity",
                                     "If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    crossed = client.get(url, headers={**as_role("chair"), "Accept-Encoding": "identity",
                                       "If-None-Match": zipped.headers["etag"]})
    assert crossed.status_code == 200
