"""Reviewer profiles and assignment: solved, conflict-free and balanced, edited by hand with a
reason, rated only by the assigned, kept across key rotation, refilled after a conflict."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.keys import create_key, revoke_key
from tests.service.selection.builders import Headers, assign, scored_round, shortlist

CRITERION = "business_model_innovation"


def _profile(client: TestClient, as_role: Headers, name: str, **fields: Any) -> int:
    response = client.post("/v1/reviewers", json={"name": name, **fields},
                           headers=as_role("admin"))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _key(app: FastAPI, reviewer_id: int, label: str) -> dict[str, str]:
    with app.state.write_sessions.begin() as session:
        _key_row, raw = create_key(session, role="reviewer", label=label,
                                   reviewer_id=reviewer_id)
    return {"X-API-Key": raw}


def _seed_firms(client: TestClient, as_role: Headers, round_id: int) -> list[dict[str, Any]]:
    return [i for i in shortlist(client, as_role("chair"), round_id, "seed")["items"]]


def _solve(client: TestClient, as_role: Headers, round_id: int,
           **body: Any) -> Any:
    return client.post(f"/v1/rounds/{round_id}/cohorts/seed/assignments", json=body,
                       headers=as_role("admin"))


def test_profiles_are_made_by_an_admin_with_sectors_from_the_vocabulary(
    client: TestClient, as_role: Headers
) -> None:
    made = client.post("/v1/reviewers", json={"name": "王教授", "sectors": ["ai", "AI"],
                                              "affiliations": ["清华大学"]},
                       headers=as_role("admin"))
    assert made.status_code == 201, made.text
    assert made.json()["sectors"] == ["ai"]
    bad = client.post("/v1/reviewers", json={"name": "x", "sectors": ["astrology"]},
                      headers=as_role("admin"))
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "sectors" in bad.text
    listed = client.get("/v1/reviewers", headers=as_role("chair")).json()["items"]
    assert "王教授" in [r["name"] for r in listed]
    assert client.post("/v1/reviewers", json={"name": "y"},
                       headers=as_role("chair")).status_code == 403


def test_solved_assignment_is_balanced_conflict_free_and_repeatable(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6)
    firms = _seed_firms(client, as_role, round_id)
    affiliated_firm = firms[0]
    ids = [
        _profile(client, as_role, "AI expert", sectors=["ai", "ic-design"]),
        _profile(client, as_role, "Micro-nano expert", sectors=["micro-nano"]),
        _profile(client, as_role, "Finance expert", sectors=["fintech"],
                 affiliations=[affiliated_firm["uscc"]]),
        _profile(client, as_role, "Generalist"),
    ]
    keys = [_key(app, i, f"key-{i}") for i in ids]
    conflicted = firms[1]
    declared = client.post(
        f"/v1/rounds/{round_id}/nominations/{conflicted['nomination_id']}/conflicts",
        json={"reason": "board member"}, headers=keys[0])
    assert declared.status_code == 201, declared.text

    solved = _solve(client, as_role, round_id, reviewers_per_nomination=2)
    assert solved.status_code == 201, solved.text
    items = solved.json()["items"]
    pairs = {(a["nomination_id"], a["reviewer_id"]) for a in items}
    assert len(items) == 2 * len(firms)
    assert Counter(n for n, _r in pairs) == dict.fromkeys(
        [f["nomination_id"] for f in firms], 2)
    assert (affiliated_firm["nomination_id"], ids[2]) not in pairs
    assert (conflicted["nomination_id"], ids[0]) not in pairs
    loads = Counter(r for _n, r in pairs)
    assert max(loads.values()) - min(loads.values()) <= 1  # the five active profiles
    assert all(a["reason"] and a["source"] == "solver" for a in items)
    matched = {a["nomination_id"] for a in items if a["sector_match"]}
    assert matched, "the solver should use the sector matches on offer"

    again = _solve(client, as_role, round_id, reviewers_per_nomination=2).json()["items"]
    assert {(a["nomination_id"], a["reviewer_id"]) for a in again} == pairs

    mine = client.get(f"/v1/rounds/{round_id}/assignments", headers=keys[1]).json()["items"]
    assert mine
    assert {a["reviewer_id"] for a in mine} == {ids[1]}
    everyone = client.get(f"/v1/rounds/{round_id}/assignments",
                          headers=as_role("chair")).json()["items"]
    assert len(everyone) == len(items)


def test_bad_assignment_requests_name_the_field_or_what_is_short(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6)
    too_many = _solve(client, as_role, round_id, reviewers_per_nomination=5)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["loc"] == ["body", "reviewers_per_nomination"]
    second = _key(app, _profile(client, as_role, "second"), "second")
    assert second
    short = _solve(client, as_role, round_id, reviewers_per_nomination=2, max_load=3)
    assert short.status_code == 409
    assert "short" in short.json()["detail"]
    assert _solve(client, as_role, round_id, reviewers_per_nomination=0).status_code == 422


def test_manual_edits_carry_a_reason_and_refuse_doubles_and_strangers(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=3)
    nid = _seed_firms(client, as_role, round_id)[0]["nomination_id"]
    assign(client, as_role, round_id, nid, as_role("reviewer"))
    me = client.get("/v1/whoami", headers=as_role("reviewer")).json()["reviewer_id"]
    edit = {"action": "add", "nomination_id": nid, "reviewer_id": me, "reason": "again"}
    twice = client.post(f"/v1/rounds/{round_id}/assignments/edits", json=edit,
                        headers=as_role("admin"))
    assert twice.status_code == 422
    assert twice.json()["errors"][0]["loc"] == ["body", "reviewer_id"]
    stranger = client.post(f"/v1/rounds/{round_id}/assignments/edits",
                           json={**edit, "reviewer_id": 999_999}, headers=as_role("admin"))
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["loc"] == ["body", "reviewer_id"]
    no_reason = client.post(f"/v1/rounds/{round_id}/assignments/edits",
                            json={k: v for k, v in edit.items() if k != "reason"},
                            headers=as_role("admin"))
    assert no_reason.status_code == 422
    listed = client.get(f"/v1/rounds/{round_id}/assignments", headers=as_role("admin")).json()
    assert listed["items"][0]["reason"] == "added by hand: test panel"
    assert listed["items"][0]["source"] == "manual"
    removed = client.post(f"/v1/rounds/{round_id}/assignments/edits",
                          json={**edit, "action": "remove", "reason": "left the panel"},
                          headers=as_role("admin"))
    assert removed.status_code == 200
    assert removed.json()["items"] == []
    assert client.post(f"/v1/rounds/{round_id}/assignments/edits",
                       json={**edit, "action": "remove"},
                       headers=as_role("admin")).status_code == 404


def test_only_the_assigned_rate_and_see_details_and_a_rotated_key_keeps_the_history(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=4)
    firms = _seed_firms(client, as_role, round_id)
    profile = _profile(client, as_role, "rotating reviewer", sectors=["ai"])
    first_key = _key(app, profile, "first key")
    mine, other = firms[0]["nomination_id"], firms[1]["nomination_id"]
    assign(client, as_role, round_id, mine, first_key)

    def rate(headers: dict[str, str], nid: int, value: float) -> int:
        return client.post(f"/v1/rounds/{round_id}/nominations/{nid}/reviews",
                           json={"ratings": [{"criterion": CRITERION, "score": value}]},
                           headers=headers).status_code

    assert rate(first_key, mine, 6) == 201
    assert rate(first_key, other, 6) == 403
    seen = {i["nomination_id"]: i for i in shortlist(client, first_key, round_id,
                                                        "seed")["items"]}
    assert seen[mine]["explanation"].get("criteria")
    assert seen[mine]["reviews"][CRITERION]["count"] == 1
    assert "criteria" not in seen[other]["explanation"]
    assert seen[other]["reviews"] == {}

    with app.state.write_sessions.begin() as session:
        prefix = first_key["X-API-Key"].split("_")[1]
        revoke_key(session, prefix=prefix)
    app.state.principal_cache.clear()
    second_key = _key(app, profile, "second key")
    assert client.get("/v1/whoami", headers=first_key).status_code == 401
    assert rate(second_key, mine, 8) == 201  # replaces the rating given with the first key
    chair_view = next(i for i in shortlist(client, as_role("chair"), round_id, "seed")["items"]
                      if i["nomination_id"] == mine)
    assert chair_view["reviews"][CRITERION]["count"] == 1
    assert chair_view["reviews"][CRITERION]["ratings"][0] == {
        "reviewer": "rotating reviewer", "raw": 8.0, "calibrated": 8.0}


def test_a_conflict_after_assignment_passes_it_to_another_reviewer(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=2)
    _key(app, _profile(client, as_role, "spare"), "spare")
    solved = _solve(client, as_role, round_id, reviewers_per_nomination=1)
    assert solved.status_code == 201, solved.text
    me = client.get("/v1/whoami", headers=as_role("reviewer")).json()["reviewer_id"]
    mine = next(a for a in solved.json()["items"] if a["reviewer_id"] == me)
    declared = client.post(
        f"/v1/rounds/{round_id}/nominations/{mine['nomination_id']}/conflicts",
        json={"reason": "my cousin's firm"}, headers=as_role("reviewer"))
    assert declared.status_code == 201, declared.text
    assert declared.json()["replacement_assigned"] is True
    now = client.get(f"/v1/rounds/{round_id}/assignments", headers=as_role("admin")).json()
    on_it = [a for a in now["items"] if a["nomination_id"] == mine["nomination_id"]]
    assert [a["reviewer_id"] for a in on_it] != [me]
    assert len(on_it) == 1
    assert on_it[0]["reason"].startswith("replacement after a declared conflict")


def test_selecting_a_firm_with_incomplete_ratings_needs_a_reason(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=20)
    _key(app, _profile(client, as_role, "second"), "second")
    assert _solve(client, as_role, round_id, reviewers_per_nomination=2).status_code == 201
    inside = next(i for i in _seed_firms(client, as_role, round_id) if i["within_capacity"])
    rated = client.post(f"/v1/rounds/{round_id}/nominations/{inside['nomination_id']}/reviews",
                        json={"ratings": [{"criterion": CRITERION, "score": 7}]},
                        headers=as_role("reviewer"))
    assert rated.status_code == 201, rated.text
    decision = {"nomination_id": inside["nomination_id"], "outcome": "select"}
    refused = client.post(f"/v1/rounds/{round_id}/cohorts/seed/decisions",
                          json={"decisions": [decision]}, headers=as_role("chair"))
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["loc"] == ["body", "decisions", 0, "reason"]
    assert f"awaiting ratings: 1 of 2 on {CRITERION}" in error["message"]
    allowed = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/decisions",
        json={"decisions": [{**decision, "reason": "the second reviewer is abroad"}]},
        headers=as_role("chair"))
    assert allowed.status_code == 201, allowed.text
