"""Decisions: overrides need reasons, capacity holds (also under concurrent requests), one cohort
per firm and round."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.models import AuditEvent, Decision
from tests.service.selection.builders import Headers, scored_round, shortlist


def _decide(client: TestClient, as_role: Headers, round_id: int, cohort: str,
            *decisions: dict[str, object]) -> tuple[int, Any]:
    response = client.post(f"/v1/rounds/{round_id}/cohorts/{cohort}/decisions",
                           json={"decisions": list(decisions)}, headers=as_role("chair"))
    return response.status_code, response.json()


def test_an_override_needs_a_reason(client: TestClient, as_role: Headers, app: FastAPI) -> None:
    round_id = scored_round(client, as_role, per_cohort=20, capacity=5)
    items = shortlist(client, as_role("chair"), round_id, "seed")["items"]
    inside = next(i for i in items if i["within_capacity"])["nomination_id"]
    outside = next(i for i in items if i["eligible"] and not i["within_capacity"])
    status, body = _decide(client, as_role, round_id, "seed",
                           {"nomination_id": inside, "outcome": "reject"})
    assert status == 422
    assert body["errors"][0]["loc"] == ["body", "decisions", 0, "reason"]
    status, body = _decide(client, as_role, round_id, "seed",
                           {"nomination_id": outside["nomination_id"], "outcome": "select"})
    assert status == 422
    status, body = _decide(
        client, as_role, round_id, "seed",
        {"nomination_id": inside, "outcome": "reject", "reason": "founder under investigation"},
        {"nomination_id": outside["nomination_id"], "outcome": "select",
         "reason": "only applicant in quantum sensing"},
    )
    assert status == 201, body
    assert all(d["override"] for d in body)
    status, body = _decide(client, as_role, round_id, "seed",
                           {"nomination_id": items[1]["nomination_id"], "outcome": "select",
                            "reason": "selected while awaiting ratings"})
    assert status == 201
    assert body[0]["override"] is False
    with app.state.write_sessions() as session:
        overrides = list(session.scalars(select(AuditEvent.reason).where(
            AuditEvent.action == "decision.override")))
    assert sorted(o or "" for o in overrides) == ["founder under investigation",
                                                  "only applicant in quantum sensing"]


def test_capacity_is_never_exceeded(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=20, capacity=3)
    items = [i for i in shortlist(client, as_role("chair"), round_id, "seed")["items"]
             if i["eligible"]]
    picks = [{"nomination_id": i["nomination_id"], "outcome": "select", "reason": "committee"}
             for i in items[:4]]
    status, body = _decide(client, as_role, round_id, "seed", *picks)
    assert status == 409, body
    assert _decide(client, as_role, round_id, "seed", *picks[:3])[0] == 201
    assert _decide(client, as_role, round_id, "seed", picks[3])[0] == 409
    # Turning one selection into a waitlist frees a place.
    status, _ = _decide(client, as_role, round_id, "seed",
                        {**picks[0], "outcome": "waitlist"}, picks[3])
    assert status == 201


def test_a_firm_is_decided_in_its_own_cohort_only(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=6, cohorts=("seed", "leader"))
    seed_firm = shortlist(client, as_role("chair"), round_id, "seed")["items"][0]
    status, body = _decide(client, as_role, round_id, "leader",
                           {"nomination_id": seed_firm["nomination_id"], "outcome": "select",
                            "reason": "move it"})
    assert status == 409, body
    assert "one cohort per round" in body["detail"]


def test_decisions_need_a_score_run(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=3, cohorts=())
    status, _ = _decide(client, as_role, round_id, "seed",
                        {"nomination_id": 1, "outcome": "reject", "reason": "x"})
    assert status == 409


@pytest.mark.own_database
def test_concurrent_selections_never_exceed_capacity(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    capacity = 3
    round_id = scored_round(client, as_role, per_cohort=20, capacity=capacity)
    candidates = [i["nomination_id"] for i in shortlist(client, as_role("chair"), round_id,
                                                        "seed")["items"]][:10]
    assert len(candidates) == 10
    barrier = Barrier(len(candidates))

    def select_one(nomination_id: int) -> int:
        # No ``with``: a client's exit runs the app's shutdown, which disposes the shared engine.
        own = TestClient(app)
        barrier.wait(timeout=30)
        response = own.post(
            f"/v1/rounds/{round_id}/cohorts/seed/decisions",
            json={"decisions": [{"nomination_id": nomination_id, "outcome": "select",
                                 "reason": "race"}]},
            headers=as_role("chair"))
        return int(response.status_code)

    with ThreadPoolExecutor(max_workers=len(candidates)) as pool:
        statuses = list(pool.map(select_one, candidates))
    assert sorted(statuses) == [201] * capacity + [409] * (len(candidates) - capacity)
    with app.state.write_sessions() as session:
        selected = session.scalar(select(func.count()).select_from(Decision).where(
            Decision.round_id == round_id, Decision.outcome == "select"))
    assert selected == capacity
