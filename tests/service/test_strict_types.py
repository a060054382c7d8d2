"""Numbers and dates mean what the contract says: no booleans as numbers, no numbers as dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.service.builders import candidate_row, filing, firm_profile, make_uscc, open_round

Headers = Callable[[str], dict[str, str]]

_FUNDING = {"announced_on": "2024-05-01", "stage": "series-a", "amount": 5e7}


def _locs(response: object) -> list[list[object]]:
    assert hasattr(response, "json")
    return [error["loc"] for error in response.json()["errors"]]


@pytest.mark.parametrize("flag", [True, False])
def test_a_boolean_is_not_a_valuation(client: TestClient, as_role: Headers, flag: bool) -> None:
    uscc = make_uscc(40)
    client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    body = {**_FUNDING, "amount": None, "post_money_valuation": flag}
    response = client.post(
        f"/v1/firms/{uscc}/funding-rounds", json=body, headers=as_role("officer")
    )
    assert response.status_code == 422, response.text
    assert _locs(response) == [["body", "post_money_valuation"]]
    assert client.get(f"/v1/firms/{uscc}/funding-rounds", headers=as_role("admin")).json() == []


_EVALUATED = {"reference_date": "2026-06-30", "rows": [candidate_row(46)]}
_RATED = {"uscc": make_uscc(46), "criterion": "business_model_innovation", "reviewer": "r"}
_EDIT = {"action": "add", "nomination_id": 1, "reviewer_id": 1, "reason": "r"}
_ASSIGN = "/v1/rounds/1/cohorts/seed/assignments"


@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        (_ASSIGN, {"reviewers_per_nomination": True}, ["reviewers_per_nomination"]),
        (_ASSIGN, {"max_load": True}, ["max_load"]),
        ("/v1/rounds/1/assignments/edits", {**_EDIT, "nomination_id": True}, ["nomination_id"]),
        ("/v1/rounds/1/notice", {"days": True}, ["days"]),
        ("/v1/schemes/seed/evaluate", {**_EVALUATED, "capacity": True}, ["capacity"]),
        (
            "/v1/schemes/seed/evaluate",
            {**_EVALUATED, "ratings": [{**_RATED, "score": True}]},
            ["ratings", 0, "score"],
        ),
    ],
)
def test_a_boolean_is_not_a_count_an_id_a_score_or_days(
    client: TestClient, as_role: Headers, url: str, body: dict[str, object], loc: list[object]
) -> None:
    # Read as 1, ``true`` solved a cohort with one reviewer per nomination, or opened a one-day
    # notice.
    response = client.post(url, json=body, headers=as_role("admin"))
    assert response.status_code == 422, response.text
    assert _locs(response) == [["body", *loc]]


@pytest.mark.parametrize("flag", [0, 1, "yes", "false"])
def test_only_true_and_false_are_yes_and_no(
    client: TestClient, as_role: Headers, flag: object
) -> None:
    # Read loosely, "yes" listed the firm and moved a selected member out of its cohort.
    uscc = make_uscc(47)
    put = client.put(
        f"/v1/firms/{uscc}", json=firm_profile(listed=flag), headers=as_role("officer")
    )
    assert put.status_code == 422, put.text
    assert _locs(put) == [["body", "listed"]]
    decision = {"nomination_id": 1, "outcome": "select", "moves": flag}
    decided = client.post(
        "/v1/rounds/1/cohorts/seed/decisions",
        json={"decisions": [decision]},
        headers=as_role("chair"),
    )
    assert decided.status_code == 422, decided.text
    assert _locs(decided) == [["body", "decisions", 0, "moves"]]


def test_whole_numbers_are_still_amounts(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(41)
    client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    body = {**_FUNDING, "amount": 50_000_000, "post_money_valuation": 300_000_000}
    response = client.post(
        f"/v1/firms/{uscc}/funding-rounds", json=body, headers=as_role("officer")
    )
    assert response.status_code == 201, response.text
    assert response.json()["post_money_valuation"] == 300_000_000.0


def test_a_boolean_is_not_a_figure_or_a_year(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(42)
    client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=as_role("officer"))
    response = client.put(
        f"/v1/firms/{uscc}/filings/2024", json=filing(employees=True), headers=as_role("officer")
    )
    assert response.status_code == 422, response.text
    assert _locs(response) == [["body", "employees"]]
    opened = client.post(
        "/v1/rounds",
        json={"name": "r", "year": 2026, "reference_date": "2026-06-30", "validity_years": True},
        headers=as_role("admin"),
    )
    assert opened.status_code == 422, opened.text


def test_a_boolean_in_a_json_candidate_list_is_a_row_error(
    client: TestClient, as_role: Headers
) -> None:
    round_id = open_round(client, as_role)
    rows = [candidate_row(43), candidate_row(44, revenue=True)]
    response = client.post(
        f"/v1/rounds/{round_id}/nominations", json={"rows": rows}, headers=as_role("officer")
    )
    assert response.status_code == 422, response.text
    assert {"row": 2, "field": "revenue", "message": "expected a number, got true"} in (
        response.json()["errors"]
    )


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/v1/audit?until=0.5", "until"),
        ("/v1/audit?since=1700000000", "since"),
        ("/v1/cohorts/seed/members?on=0", "on"),
        # Days of the calendar the service keeps (1800-2100), on every date parameter alike.
        ("/v1/cohorts/seed/members?on=0001-01-01", "on"),
        ("/v1/rounds/1/kpis?as_of=0001-01-01", "as_of"),
        ("/v1/rounds/1/kpis?as_of=0", "as_of"),
        # In UTC these fall outside the years Python's datetime holds: no query could bind them.
        ("/v1/audit?since=9999-12-31T23:59:59-12:00", "since"),
        ("/v1/audit?until=0001-01-01T00:00:00%2B14:00", "until"),
    ],
)
def test_a_number_or_a_moment_beyond_the_calendar_is_not_a_date(
    client: TestClient, as_role: Headers, url: str, parameter: str
) -> None:
    response = client.get(url, headers=as_role("admin"))
    assert response.status_code == 422, response.text
    assert _locs(response) == [["query", parameter]]


def test_dates_in_iso_form_are_still_read(client: TestClient, as_role: Headers) -> None:
    audit = client.get("/v1/audit?since=2026-01-01T00:00:00Z", headers=as_role("admin"))
    assert audit.status_code == 200, audit.text
    members = client.get("/v1/cohorts/seed/members?on=2026-06-30", headers=as_role("tracker"))
    assert members.status_code == 200, members.text


def test_a_founding_date_in_the_future_is_refused(client: TestClient, as_role: Headers) -> None:
    uscc = make_uscc(45)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = client.put(
        f"/v1/firms/{uscc}", json=firm_profile(founded_on=tomorrow), headers=as_role("officer")
    )
    assert response.status_code == 422, response.text
    assert _locs(response) == [["body", "founded_on"]]
    round_id = open_round(client, as_role)
    listed = client.post(
        f"/v1/rounds/{round_id}/nominations",
        json={"rows": [candidate_row(46, founded_on=tomorrow, fiscal_year=None)]},
        headers=as_role("officer"),
    )
    assert listed.status_code == 422, listed.text
    assert [e["field"] for e in listed.json()["errors"]] == ["founded_on"]


def test_a_founding_date_after_the_firms_own_filings_is_refused(
    client: TestClient, as_role: Headers
) -> None:
    uscc = make_uscc(47)
    client.put(
        f"/v1/firms/{uscc}", json=firm_profile(founded_on="2020-01-01"), headers=as_role("officer")
    )
    filed = client.put(f"/v1/firms/{uscc}/filings/2021", json=filing(), headers=as_role("officer"))
    assert filed.status_code == 201, filed.text
    moved = client.put(
        f"/v1/firms/{uscc}", json=firm_profile(founded_on="2023-01-01"), headers=as_role("officer")
    )
    assert moved.status_code == 422, moved.text
    assert _locs(moved) == [["body", "founded_on"]]
    early = client.put(f"/v1/firms/{uscc}/filings/2019", json=filing(), headers=as_role("officer"))
    assert early.status_code == 422, early.text
    assert _locs(early) == [["path", "fiscal_year"]]
    round_id = open_round(client, as_role)
    listed = client.post(
        f"/v1/rounds/{round_id}/nominations",
        json={"rows": [candidate_row(48, founded_on="2025-06-01", fiscal_year=2024)]},
        headers=as_role("officer"),
    )
    assert listed.status_code == 422, listed.text
    assert [e["field"] for e in listed.json()["errors"]] == ["founded_on"]
