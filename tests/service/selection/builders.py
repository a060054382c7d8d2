"""Plain builders for the selection tests: a candidate list of SYNTHETIC demo firms, a round
taken to the scoring state, and the calls each step needs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

from scoring import Scheme, load_scheme
from seed_data.demo import candidate_rows, load
from service.models import SelectionRound

__all__ = [
    "Headers",
    "assign",
    "assign_cohort",
    "candidate_csv",
    "end_notice",
    "frame_of",
    "nominate",
    "open_notice",
    "open_round",
    "publish",
    "score",
    "scored_round",
    "shortlist",
    "to_state",
]

Headers = Callable[[str], dict[str, str]]


def candidate_csv(per_cohort: int, *, hostile_name: str | None = None) -> bytes:
    """A CSV candidate list of the first ``per_cohort`` SYNTHETIC demo firms of each cohort, three
    fiscal years each, the latest row carrying the firm's latest funding round; ``hostile_name``
    replaces the name of the first seed firm."""
    data = load()
    rows = candidate_rows(data)
    firms = rows.drop_duplicates("uscc")[["uscc", "cohort"]]
    chosen = firms.groupby("cohort", sort=True).head(per_cohort)["uscc"]
    rows = rows.loc[rows["uscc"].isin(chosen)].copy()
    last = (
        data.funding_rounds.sort_values(["uscc", "announced_on"])
        .groupby("uscc")
        .tail(1)
        .rename(columns={"announced_on": "round_date", "stage": "round_stage",
                         "amount": "round_amount", "post_money_valuation": "round_valuation"})
    )
    latest = rows.groupby("uscc")["fiscal_year"].transform("max") == rows["fiscal_year"]
    rows = rows.merge(last, on="uscc", how="left")
    for column in ("round_date", "round_stage", "round_amount", "round_valuation"):
        rows.loc[~latest.to_numpy(), column] = None
    if hostile_name is not None:
        first_seed = rows.loc[rows["cohort"] == "seed", "uscc"].iloc[0]
        rows.loc[rows["uscc"] == first_seed, "name"] = hostile_name
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def open_round(client: TestClient, as_role: Headers, *, capacity: int = 5) -> int:
    """A new round with ``capacity`` per cohort; its id."""
    response = client.post(
        "/v1/rounds",
        json={"name": "Test round (SYNTHETIC)", "year": 2026, "reference_date": "2026-06-30",
              "capacities": {"leader": capacity, "hidden-champion": capacity, "seed": capacity}},
        headers=as_role("admin"),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def nominate(client: TestClient, as_role: Headers, round_id: int, csv_bytes: bytes) -> None:
    """Submit the list through the CSV intake."""
    response = client.post(
        f"/v1/rounds/{round_id}/nominations",
        files={"file": ("list.csv", csv_bytes, "text/csv")},
        headers=as_role("officer"),
    )
    assert response.status_code == 201, response.text


def to_state(client: TestClient, as_role: Headers, round_id: int, state: str) -> Any:
    """Move the round; the response."""
    return client.post(f"/v1/rounds/{round_id}/state", json={"state": state},
                       headers=as_role("admin"))


def open_notice(client: TestClient, as_role: Headers, round_id: int, **body: Any) -> Any:
    """Decide the round (if not yet) and open its notice period; the response."""
    decided = to_state(client, as_role, round_id, "decided")
    assert decided.status_code in (200, 409), decided.text
    return client.post(f"/v1/rounds/{round_id}/notice", json=body or None,
                       headers=as_role("admin"))


def end_notice(client: TestClient, round_id: int) -> None:
    """Move the round's notice period into the past (its last day yesterday), as time would."""
    app: Any = client.app
    with app.state.write_sessions.begin() as session:
        selection_round = session.get(SelectionRound, round_id)
        yesterday = dt.date.today() - dt.timedelta(days=1)
        selection_round.notice_starts_on = yesterday - dt.timedelta(days=6)
        selection_round.notice_ends_on = yesterday


def publish(client: TestClient, as_role: Headers, round_id: int, **body: Any) -> Any:
    """Take a round through a notice period that has ended, then publish it; the response."""
    opened = open_notice(client, as_role, round_id)
    assert opened.status_code == 200, opened.text
    end_notice(client, round_id)
    return client.post(f"/v1/rounds/{round_id}/publish", json=body or None,
                       headers=as_role("admin"))


def score(client: TestClient, as_role: Headers, round_id: int, cohort: str,
          **options: Any) -> dict[str, Any]:
    """A new score run of the cohort; its JSON."""
    response = client.post(f"/v1/rounds/{round_id}/cohorts/{cohort}/score-runs",
                           json=options or None, headers=as_role("admin"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    assert response.headers["Location"] == (
        f"/v1/rounds/{round_id}/cohorts/{cohort}/score-runs/{result['id']}"
    )
    return result


def shortlist(client: TestClient, headers: dict[str, str], round_id: int, cohort: str,
              **params: Any) -> dict[str, Any]:
    """One page of the shortlist as JSON."""
    response = client.get(f"/v1/rounds/{round_id}/cohorts/{cohort}/shortlist",
                          params={"limit": 1000, **params}, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def run_scheme(client: TestClient, headers: dict[str, str], run: dict[str, Any]) -> Scheme:
    """The scheme version a score run used, as the API stores it."""
    stored = client.get(f"/v1/schemes/{run['scheme']['id']}",
                        params={"version": run["scheme"]["version"]}, headers=headers).json()
    return load_scheme(stored["document"])


def assign_cohort(client: TestClient, as_role: Headers, round_id: int, cohort: str,
                  **options: Any) -> list[dict[str, Any]]:
    """Solve the cohort's assignment (``reviewers_per_nomination`` 1 unless given); the items."""
    response = client.post(f"/v1/rounds/{round_id}/cohorts/{cohort}/assignments",
                           json={"reviewers_per_nomination": 1, **options},
                           headers=as_role("admin"))
    assert response.status_code == 201, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def assign(client: TestClient, as_role: Headers, round_id: int, nomination_id: int,
           reviewer: dict[str, str]) -> None:
    """Assign the reviewer behind the ``reviewer`` headers to one nomination, by hand."""
    me = client.get("/v1/whoami", headers=reviewer).json()
    response = client.post(f"/v1/rounds/{round_id}/assignments/edits",
                           json={"action": "add", "nomination_id": nomination_id,
                                 "reviewer_id": me["reviewer_id"], "reason": "test panel"},
                           headers=as_role("admin"))
    assert response.status_code == 200, response.text


def frame_of(page: dict[str, Any]) -> pd.DataFrame:
    """The shortlist items' top-level fields as a frame."""
    return pd.DataFrame([{k: v for k, v in item.items() if k not in ("explanation", "reviews")}
                         for item in page["items"]])


def scored_round(client: TestClient, as_role: Headers, *, per_cohort: int = 20, capacity: int = 5,
                 cohorts: tuple[str, ...] = ("seed",), hostile_name: str | None = None) -> int:
    """A round nominating SYNTHETIC demo firms, moved to scoring, each of ``cohorts`` scored."""
    round_id = open_round(client, as_role, capacity=capacity)
    nominate(client, as_role, round_id, candidate_csv(per_cohort, hostile_name=hostile_name))
    assert to_state(client, as_role, round_id, "scoring").status_code == 200
    for cohort in cohorts:
        score(client, as_role, round_id, cohort)
    return round_id


def csv_table(content: bytes) -> tuple[list[list[str]], list[dict[str, str]]]:
    """The heading lines and the table rows of an exported CSV shortlist."""
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blank = lines.index([])
    header, *body = lines[blank + 1 :]
    return lines[:blank], [dict(zip(header, row, strict=True)) for row in body]
