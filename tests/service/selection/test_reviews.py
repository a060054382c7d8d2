"""Ratings within the scheme's range, conflicts that hide a firm's ratings, calibration side by
side, and the disagreement flag."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.keys import create_key
from service.models import AuditEvent
from tests.service.selection.builders import Headers, assign_cohort, scored_round, shortlist

CRITERION = "business_model_innovation"


def _second_reviewer(app: FastAPI) -> dict[str, str]:
    with app.state.write_sessions.begin() as session:
        _key, raw = create_key(session, role="reviewer", label="test-reviewer-2")
    return {"X-API-Key": raw}


def _rate(client: TestClient, headers: dict[str, str], round_id: int, nomination_id: int,
          value: float, criterion: str = CRITERION) -> int:
    response = client.post(f"/v1/rounds/{round_id}/nominations/{nomination_id}/reviews",
                           json={"ratings": [{"criterion": criterion, "score": value}]},
                           headers=headers)
    return response.status_code


def test_the_range_and_criteria_come_from_the_scheme(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=5)
    nomination = shortlist(client, as_role("reviewer"), round_id, "seed")["items"][0]
    nid = nomination["nomination_id"]
    assert _rate(client, as_role("reviewer"), round_id, nid, 7.5) == 403  # not assigned yet
    assign_cohort(client, as_role, round_id, "seed")
    assert _rate(client, as_role("reviewer"), round_id, nid, 10.5) == 422
    assert _rate(client, as_role("reviewer"), round_id, nid, -1) == 422
    assert _rate(client, as_role("reviewer"), round_id, nid, 5, criterion="class1_ip") == 422
    assert _rate(client, as_role("reviewer"), round_id, nid, 7.5) == 201
    assert _rate(client, as_role("reviewer"), round_id, nid, 8) == 201  # replaces the first
    item = shortlist(client, as_role("chair"), round_id, "seed")["items"][0]
    assert item["reviews"][CRITERION]["count"] == 1
    assert item["reviews"][CRITERION]["ratings"][0]["raw"] == 8
    missing = client.post(f"/v1/rounds/{round_id}/nominations/999999/reviews",
                          json={"ratings": [{"criterion": CRITERION, "score": 5}]},
                          headers=as_role("reviewer"))
    assert missing.status_code == 404


def test_a_conflicted_reviewer_can_neither_rate_nor_see_the_ratings(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=5)
    other = _second_reviewer(app)
    assign_cohort(client, as_role, round_id, "seed", reviewers_per_nomination=2)
    nid = shortlist(client, as_role("reviewer"), round_id, "seed")["items"][0]["nomination_id"]
    assert _rate(client, as_role("reviewer"), round_id, nid, 6) == 201
    assert _rate(client, other, round_id, nid, 9) == 201
    conflict = client.post(f"/v1/rounds/{round_id}/nominations/{nid}/conflicts",
                           json={"reason": "former employer"}, headers=as_role("reviewer"))
    assert conflict.status_code == 201, conflict.text
    assert conflict.json()["ratings_withdrawn"] == 1
    assert _rate(client, as_role("reviewer"), round_id, nid, 6) == 409
    # Rescore so the run's explanation holds the other reviewer's rating.
    client.post(f"/v1/rounds/{round_id}/cohorts/seed/score-runs", headers=as_role("admin"))
    mine = shortlist(client, as_role("reviewer"), round_id, "seed")["items"]
    theirs = next(i for i in shortlist(client, other, round_id, "seed")["items"]
                  if i["nomination_id"] == nid)
    assert nid not in {i["nomination_id"] for i in mine}  # the firm is left out altogether
    assert theirs["reviews"][CRITERION]["ratings"] == [
        {"reviewer": "test-reviewer-2", "raw": 9.0, "calibrated": 9.0}]
    shown = next(c for c in theirs["explanation"]["criteria"] if c["criterion"] == CRITERION)
    assert shown["raw"] == 9.0
    with app.state.write_sessions() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(["review.rate", "review.conflict"]))))
    assert actions.count("review.conflict") == 1
    assert actions.count("review.rate") == 2


def test_calibrated_and_raw_side_by_side_and_disagreement_flagged(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=5)
    other = _second_reviewer(app)
    assign_cohort(client, as_role, round_id, "seed", reviewers_per_nomination=2)
    ids = [i["nomination_id"] for i in shortlist(client, as_role("reviewer"), round_id,
                                                  "seed")["items"][:3]]
    for nid, severe, lenient in zip(ids, (1, 2, 3), (7, 9, 10), strict=True):
        assert _rate(client, as_role("reviewer"), round_id, nid, severe) == 201
        assert _rate(client, other, round_id, nid, lenient) == 201
    items = {i["nomination_id"]: i for i in shortlist(client, as_role("chair"), round_id,
                                                       "seed")["items"]}
    first = items[ids[0]]["reviews"][CRITERION]
    assert {r["raw"] for r in first["ratings"]} == {1.0, 7.0}
    assert all(r["calibrated"] != r["raw"] for r in first["ratings"])
    assert first["spread"] == 6.0
    assert first["disagreement"] is True
    assert f"disagreement:{CRITERION}" in items[ids[0]]["flags"]
    run = client.post(f"/v1/rounds/{round_id}/cohorts/seed/score-runs",
                      json={"calibrated_ratings": True}, headers=as_role("admin"))
    assert run.status_code == 201
    assert run.json()["calibrated_ratings"] is True
