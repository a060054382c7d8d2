"""Firms awaiting ratings: marked in the shortlist and its exports, ranked after the complete
ones, and selected only with a reason."""

from __future__ import annotations

import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from service.keys import create_key
from service.models import AuditEvent
from tests.service.selection.builders import (
    Headers,
    assign,
    csv_table,
    score,
    scored_round,
    shortlist,
)

CRITERIA = ("hard_tech_distinctiveness", "business_model_innovation")


def _reviewers(app: FastAPI, count: int) -> list[dict[str, str]]:
    headers = []
    with app.state.write_sessions.begin() as session:
        for k in range(count):
            _key, raw = create_key(session, role="reviewer", label=f"test-completeness-{k}")
            headers.append({"X-API-Key": raw})
    return headers


def _rate(client: TestClient, headers: dict[str, str], round_id: int, nomination_id: int,
          value: float) -> None:
    response = client.post(
        f"/v1/rounds/{round_id}/nominations/{nomination_id}/reviews",
        json={"ratings": [{"criterion": c, "score": value} for c in CRITERIA]},
        headers=headers)
    assert response.status_code == 201, response.text


def test_a_fully_rated_firm_outranks_unrated_ones_which_need_a_reason_to_be_selected(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=10, capacity=3)
    before = [i for i in shortlist(client, as_role("chair"), round_id, "seed")["items"]
              if i["eligible"]]
    assert not any(i["ratings_complete"] for i in before)
    # The weakest passing firm gets its three ratings (low ones), the one above it only two.
    passing = [i for i in before if i["passed"]]
    assert len(passing) > 3  # the weakest ranks below the line before it is rated
    weakest, partial = passing[-1], passing[-2]
    assert not weakest["within_capacity"]
    reviewers = _reviewers(app, 3)
    for headers in reviewers:
        assign(client, as_role, round_id, weakest["nomination_id"], headers)
        assign(client, as_role, round_id, partial["nomination_id"], headers)
    for headers in reviewers:
        _rate(client, headers, round_id, weakest["nomination_id"], 2)
    for headers in reviewers[:2]:
        _rate(client, headers, round_id, partial["nomination_id"], 9)
    score(client, as_role, round_id, "seed")

    items = [i for i in shortlist(client, as_role("chair"), round_id, "seed")["items"]
             if i["eligible"]]
    assert items[0]["uscc"] == weakest["uscc"]
    assert items[0]["rank"] == 1
    assert items[0]["ratings_complete"] is True
    assert items[0]["explanation"]["ratings"]["awaiting"] is None
    by_uscc = {i["uscc"]: i for i in items}
    ratings = by_uscc[partial["uscc"]]["explanation"]["ratings"]
    assert ratings["complete"] is False
    assert ratings["awaiting"] == "awaiting ratings: 2 of 3"
    assert ratings["awaiting_zh"] == "评分未齐：已评 2 份，共需 3 份"
    assert all(not i["ratings_complete"] for i in items[1:])
    notes = [c["note"] or "" for i in items for c in i["explanation"]["criteria"]]
    assert not any("None" in n for n in notes)

    inside_unrated = next(i for i in items if i["within_capacity"] and not i["ratings_complete"])
    refused = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/decisions",
        json={"decisions": [{"nomination_id": weakest["nomination_id"], "outcome": "select"},
                            {"nomination_id": inside_unrated["nomination_id"],
                             "outcome": "select"}]},
        headers=as_role("chair"))
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [e["loc"] for e in errors] == [["body", "decisions", 1, "reason"]]
    assert "awaiting ratings: 0 of 3" in errors[0]["message"]
    decided = client.post(
        f"/v1/rounds/{round_id}/cohorts/seed/decisions",
        json={"decisions": [{"nomination_id": weakest["nomination_id"], "outcome": "select"},
                            {"nomination_id": inside_unrated["nomination_id"],
                             "outcome": "select", "reason": "rated by the committee in session"}]},
        headers=as_role("chair"))
    assert decided.status_code == 201, decided.text
    assert [d["override"] for d in decided.json()] == [False, False]
    with app.state.write_sessions() as session:
        recorded = {
            e.target_id: e.detail["awaiting_ratings"]
            for e in session.scalars(select(AuditEvent).where(
                AuditEvent.action == "decision.record"))}
    assert recorded == {str(weakest["nomination_id"]): None,
                        str(inside_unrated["nomination_id"]): "awaiting ratings: 0 of 3"}


def test_every_export_marks_the_firms_awaiting_ratings(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=6)
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv", "lang": "en"}, headers=as_role("chair"))
    assert response.status_code == 200
    _heading, rows = csv_table(response.content)
    assert {r["Ratings awaited"] for r in rows} == {"awaiting ratings: 0 of 3"}
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv"}, headers=as_role("chair"))
    _heading, rows = csv_table(response.content)
    assert {r["评分进度"] for r in rows} == {"评分未齐：已评 0 份，共需 3 份"}
    response = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "xlsx"}, headers=as_role("chair"))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    table = list(sheet.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(table) if r and r[0] == "名次")
    column = list(table[top]).index("评分进度")
    assert {r[column] for r in table[top + 1:]} == {"评分未齐：已评 0 份，共需 3 份"}
