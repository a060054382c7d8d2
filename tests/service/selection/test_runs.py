"""Score runs: kept as they were, reproducible, read back, refused outside ``scoring``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.models import AuditEvent, Filing, ScoreResultRow
from service.schemes import service as schemes_service
from service.selection import nominations
from service.selection.frames import frames_fingerprint, load_scoring_frames
from service.selection.reviews import service as reviews_service
from service.selection.runs import service as runs_service
from tests.service.selection.builders import (
    Headers,
    assign_cohort,
    candidate_csv,
    nominate,
    open_round,
    score,
    scored_round,
    shortlist,
    to_state,
)


def test_a_run_keeps_its_scheme_fingerprint_and_every_explanation(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=15, cohorts=())
    first = score(client, as_role, round_id, "seed", sensitivity_draws=50)
    assert first["scheme"]["id"] == "seed"
    assert len(first["input_fingerprint"]) == 64
    assert first["growth_model_id"] is None
    assert first["firms_scored"] == 15
    assert first["sensitivity_draws"] == 50
    again = score(client, as_role, round_id, "seed", sensitivity_draws=50)
    assert again["id"] != first["id"]
    assert again["input_fingerprint"] == first["input_fingerprint"]
    read = client.get(f"/v1/rounds/{round_id}/cohorts/seed/score-runs/{first['id']}",
                      headers=as_role("admin"))
    assert read.status_code == 200
    assert read.json()["input_fingerprint"] == first["input_fingerprint"]
    wrong = client.get(f"/v1/rounds/{round_id}/cohorts/leader/score-runs/{first['id']}",
                       headers=as_role("admin"))
    assert wrong.status_code == 404
    page = shortlist(client, as_role("chair"), round_id, "seed")
    assert page["run"]["id"] == again["id"]
    with app.state.write_sessions() as session:
        stored = session.scalar(
            select(func.count()).select_from(ScoreResultRow)
            .where(ScoreResultRow.run_id == first["id"]))
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent)
            .where(AuditEvent.action == "score_run.create"))
    assert stored == 15
    assert audited == 2
    item = page["items"][0]
    assert {g["gate"] for g in item["explanation"]["gates"]} >= {"young", "haidian"}
    assert [c["criterion"] for c in item["explanation"]["criteria"]] == page["run"]["criteria"]
    assert 0.0 <= item["stability"] <= 1.0


def test_new_ratings_change_the_fingerprint(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=10, cohorts=())
    before = score(client, as_role, round_id, "seed")
    assign_cohort(client, as_role, round_id, "seed")
    nomination = shortlist(client, as_role("reviewer"), round_id, "seed")["items"][0]
    rated = client.post(
        f"/v1/rounds/{round_id}/nominations/{nomination['nomination_id']}/reviews",
        json={"ratings": [{"criterion": "business_model_innovation", "score": 9}]},
        headers=as_role("reviewer"))
    assert rated.status_code == 201, rated.text
    after = score(client, as_role, round_id, "seed")
    assert after["ratings_used"] == 1
    assert after["input_fingerprint"] != before["input_fingerprint"]


def test_a_run_hands_its_ratings_keyed_and_fingerprints_them_as_strings(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=10)
    assign_cohort(client, as_role, round_id, "seed")
    for item in shortlist(client, as_role("reviewer"), round_id, "seed")["items"][:2]:
        rated = client.post(
            f"/v1/rounds/{round_id}/nominations/{item['nomination_id']}/reviews",
            json={"ratings": [{"criterion": "business_model_innovation", "score": 9},
                              {"criterion": "hard_tech_distinctiveness", "score": 4.5}]},
            headers=as_role("reviewer"))
        assert rated.status_code == 201, rated.text
    with app.state.write_sessions() as session:
        nominated = nominations.cohort_nominations(session, round_id=round_id, cohort="seed")
        _, scheme = schemes_service.get_active_for_cohort(session, "seed")
        keyed = runs_service._ratings_for(session, scheme, round_id=round_id, cohort="seed",
                                          calibrated=False, firms=nominated)
        strings = reviews_service.ratings_frame(session, round_id=round_id, cohort="seed")
        frames = load_scoring_frames(session, list(nominated), reference_date=None)
    assert keyed is not None
    assert len(keyed) == 4
    assert all(isinstance(keyed[c].dtype, pd.CategoricalDtype)
               for c in ("uscc", "criterion", "reviewer"))
    # The categories are the scored firms in their order: the engine uses the codes as they are.
    assert keyed["uscc"].cat.categories.equals(pd.Index(frames.firms["uscc"]))
    plain = strings.loc[:, ["uscc", "criterion", "reviewer", "score"]]
    assert frames_fingerprint(keyed) == frames_fingerprint(plain)
    assert keyed.astype(object).equals(plain.astype(object))


def test_scoring_is_refused_outside_the_scoring_state(
    client: TestClient, as_role: Headers
) -> None:
    round_id = open_round(client, as_role)
    nominate(client, as_role, round_id, candidate_csv(5))
    response = client.post(f"/v1/rounds/{round_id}/cohorts/seed/score-runs",
                           headers=as_role("admin"))
    assert response.status_code == 409
    assert "'open'" in response.json()["detail"]
    assert to_state(client, as_role, round_id, "scoring").status_code == 200
    late = client.post(f"/v1/rounds/{round_id}/nominations",
                       files={"file": ("list.csv", candidate_csv(6), "text/csv")},
                       headers=as_role("officer"))
    assert late.status_code == 409


def test_state_changes_follow_the_documented_order(client: TestClient, as_role: Headers) -> None:
    round_id = open_round(client, as_role)
    assert to_state(client, as_role, round_id, "decided").status_code == 409
    assert to_state(client, as_role, round_id, "scoring").json()["state"] == "scoring"
    assert to_state(client, as_role, round_id, "decided").json()["state"] == "decided"
    assert to_state(client, as_role, round_id, "scoring").json()["state"] == "scoring"
    bogus = client.post(f"/v1/rounds/{round_id}/state", json={"state": "published"},
                        headers=as_role("admin"))
    assert bogus.status_code == 422


def test_frames_hold_only_figures_known_on_the_reference_date(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = open_round(client, as_role)
    nominate(client, as_role, round_id, candidate_csv(3))
    with app.state.write_sessions.begin() as session:
        usccs = [u for (u,) in session.execute(select(Filing.uscc).distinct())]
        years_before = set(session.scalars(select(Filing.fiscal_year)))
        late = load_scoring_frames(session, usccs, reference_date=dt.date(2024, 6, 30))
        everything = load_scoring_frames(session, usccs, reference_date=None)
    assert max(years_before) == 2025
    assert set(late.filings["fiscal_year"]) <= {2023}
    assert set(everything.filings["fiscal_year"]) == years_before
    assert (late.funding_rounds["announced_on"] <= pd.Timestamp("2024-06-30")).all()
    assert sorted(late.firms["uscc"]) == sorted(usccs)


def test_six_hundred_nominations_score_and_store(
    client: TestClient, as_role: Headers
) -> None:
    round_id = open_round(client, as_role, capacity=100)
    nominate(client, as_role, round_id, candidate_csv(1000))  # 675 SYNTHETIC seed firms
    assert to_state(client, as_role, round_id, "scoring").status_code == 200
    # (How long it takes is bench_scoring's and bench_pages' to say: no timed assertion here.)
    run = score(client, as_role, round_id, "seed")
    assert run["firms_scored"] == 675
