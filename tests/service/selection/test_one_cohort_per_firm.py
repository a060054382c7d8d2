"""One current cohort per firm across rounds: refused with a 409 naming the membership, allowed
when the decision says the firm moves (the old membership ends the day the new one starts),
held by the database under concurrent publications."""

from __future__ import annotations

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from service.models import Membership, SelectionRound, WebhookEvent
from tests.service.selection.builders import (
    Headers,
    candidate_csv,
    end_notice,
    nominate,
    open_notice,
    open_round,
    publish,
    score,
    shortlist,
    to_state,
)


def _round_of(client: TestClient, as_role: Headers, *, cohort: str) -> int:
    """A scored round nominating the first three seed demo firms for ``cohort``."""
    frame = pd.read_csv(io.BytesIO(candidate_csv(3)), dtype=str)
    frame = frame.loc[frame["cohort"] == "seed"].assign(cohort=cohort)
    round_id = open_round(client, as_role, capacity=3)
    nominate(client, as_role, round_id, frame.to_csv(index=False).encode("utf-8"))
    assert to_state(client, as_role, round_id, "scoring").status_code == 200
    score(client, as_role, round_id, cohort)
    return round_id


def _decide(client: TestClient, as_role: Headers, round_id: int, cohort: str,
            **extra: Any) -> Any:
    items = shortlist(client, as_role("chair"), round_id, cohort)["items"]
    return client.post(
        f"/v1/rounds/{round_id}/cohorts/{cohort}/decisions",
        json={"decisions": [{"nomination_id": i["nomination_id"], "outcome": "select",
                             "reason": "committee's choice", **extra} for i in items]},
        headers=as_role("chair"))


def _publish(client: TestClient, as_role: Headers, round_id: int, valid_from: str) -> Any:
    return publish(client, as_role, round_id, valid_from=valid_from)


def test_a_current_member_moves_only_when_the_decision_says_so(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    first = _round_of(client, as_role, cohort="seed")
    assert _decide(client, as_role, first, "seed").status_code == 201
    assert _publish(client, as_role, first, "2026-01-01").status_code == 201

    second = _round_of(client, as_role, cohort="hidden-champion")
    refused = _decide(client, as_role, second, "hidden-champion")
    assert refused.status_code == 409
    body = refused.json()
    assert body["membership"]["cohort"] == "seed"
    assert body["membership"]["round_id"] == first
    assert "'seed'" in body["detail"]

    moved = _decide(client, as_role, second, "hidden-champion", moves=True)
    assert moved.status_code == 201, moved.text
    assert all(d["moves"] for d in moved.json())
    hook = client.post("/v1/webhooks", json={"url": "http://8.8.8.8/hooks",
                                             "event_types": ["membership.ended"]},
                       headers=as_role("admin"))
    assert hook.status_code == 201, hook.text
    published = _publish(client, as_role, second, "2027-01-01")
    assert published.status_code == 201, published.text
    closed = published.json()["closed"]
    assert len(closed) == 3
    assert {c["valid_until"] for c in closed} == {"2027-01-01"}
    uscc = closed[0]["uscc"]
    with app.state.read_sessions() as session:
        ended = [e.payload["data"] for e in session.scalars(
            select(WebhookEvent).where(WebhookEvent.event_type == "membership.ended"))]
    assert sorted(e["uscc"] for e in ended) == sorted(c["uscc"] for c in closed)
    assert {e["valid_until"] for e in ended} == {"2027-01-01"}
    memberships = client.get(f"/v1/firms/{uscc}/memberships",
                             headers=as_role("tracker")).json()["items"]
    assert [(m["cohort"], m["valid_from"], m["valid_until"]) for m in memberships] == [
        ("seed", "2026-01-01", "2027-01-01"),
        ("hidden-champion", "2027-01-01", "2030-01-01"),
    ]
    changes = client.get("/v1/cohorts/changes", headers=as_role("tracker")).json()["items"]
    moved = [c for c in changes if c["uscc"] == uscc]
    assert moved[-1]["cohort"] == "hidden-champion"
    assert [c["change"] for c in moved] == ["added", "ended", "added"]
    assert moved[-1]["replaces"] == moved[0]["membership_id"] == moved[1]["membership_id"]
    assert moved[0]["valid_until"] == "2027-01-01"
    for day in ("2026-06-01", "2027-06-01", "2029-06-01"):
        cohorts = [
            c for c in ("seed", "hidden-champion")
            if uscc in {m["uscc"] for m in client.get(
                f"/v1/cohorts/{c}/members", params={"on": day},
                headers=as_role("tracker")).json()["items"]}
        ]
        assert len(cohorts) == 1, (day, cohorts)


@pytest.mark.own_database
def test_the_database_allows_one_open_membership_per_firm(app: FastAPI) -> None:
    maker = app.state.write_sessions
    with maker.begin() as session:
        rounds = [SelectionRound(name=f"r{i}", year=2026, reference_date=dt.date(2026, 1, 1),
                                 capacities={}, state="published") for i in range(3)]
        session.add_all(rounds)
        session.flush()
        round_ids = [r.id for r in rounds]
    row = {"round_id": round_ids[0], "cohort": "seed", "uscc": "91110108Y00552304B",
           "name": "x", "valid_from": dt.date(2026, 1, 1), "valid_until": dt.date(2029, 1, 1),
           "published_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
    with maker.begin() as session:
        session.execute(insert(Membership), [row])
    with pytest.raises(IntegrityError), maker.begin() as session:  # another round, still open
        session.execute(insert(Membership), [{**row, "round_id": round_ids[1],
                                              "cohort": "leader"}])
    with maker.begin() as session:  # a closed one is history, not a second current membership
        session.execute(insert(Membership), [{**row, "round_id": round_ids[2],
                                              "closed_on": dt.date(2026, 6, 1)}])


@pytest.mark.own_database
def test_concurrent_publications_of_one_firm_let_one_through(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    rounds = [_round_of(client, as_role, cohort=c) for c in ("seed", "leader")]
    for round_id, cohort in zip(rounds, ("seed", "leader"), strict=True):
        assert _decide(client, as_role, round_id, cohort).status_code == 201
        assert open_notice(client, as_role, round_id).status_code == 200
        end_notice(client, round_id)
    barrier = Barrier(len(rounds))

    def publish(round_id: int) -> int:
        # No ``with``: a client's exit runs the app's shutdown, which disposes the shared engine.
        own = TestClient(app)
        barrier.wait(timeout=30)
        return own.post(f"/v1/rounds/{round_id}/publish", json={"valid_from": "2026-01-01"},
                        headers=as_role("admin")).status_code

    with ThreadPoolExecutor(max_workers=len(rounds)) as pool:
        statuses = sorted(pool.map(publish, rounds))
    assert statuses == [201, 409]
    usccs = [m["uscc"] for c in ("seed", "leader") for m in client.get(
        f"/v1/cohorts/{c}/members", params={"on": "2026-06-01"},
        headers=as_role("tracker")).json()["items"]]
    assert len(usccs) == len(set(usccs)) == 3
