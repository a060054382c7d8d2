"""A conflicted reviewer sees nothing of the firm that depends on others' ratings, nor its
figures: not in the JSON shortlist, the CSV, the XLSX, nor the firm's filings and funding."""

from __future__ import annotations

import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.keys import create_key
from tests.service.selection.builders import (
    Headers,
    assign_cohort,
    csv_table,
    score,
    scored_round,
    shortlist,
)

CRITERION = "business_model_innovation"


def test_a_conflicted_firm_is_hidden_in_every_format(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    round_id = scored_round(client, as_role, per_cohort=20)
    with app.state.write_sessions.begin() as session:
        other = {"X-API-Key": create_key(session, role="reviewer", label="other")[1]}
    assign_cohort(client, as_role, round_id, "seed", reviewers_per_nomination=2)
    me = as_role("reviewer")
    for item in shortlist(client, me, round_id, "seed")["items"]:
        for headers, value in ((me, 5), (other, 9)):
            response = client.post(
                f"/v1/rounds/{round_id}/nominations/{item['nomination_id']}/reviews",
                json={"ratings": [{"criterion": CRITERION, "score": value}]}, headers=headers)
            assert response.status_code == 201, response.text
    score(client, as_role, round_id, "seed")
    ranked = [i for i in shortlist(client, as_role("chair"), round_id, "seed")["items"]
              if i["rank"] is not None]
    assert len(ranked) >= 3
    target = ranked[0]  # first place: every rank below would betray it by a gap
    declared = client.post(f"/v1/rounds/{round_id}/nominations/{target['nomination_id']}/"
                           "conflicts", json={"reason": "shareholder"}, headers=me)
    assert declared.status_code == 201, declared.text
    score(client, as_role, round_id, "seed")

    page = shortlist(client, me, round_id, "seed")
    assert target["uscc"] not in {i["uscc"] for i in page["items"]}
    visible_ranks = sorted(i["rank"] for i in page["items"] if i["rank"] is not None)
    assert visible_ranks == list(range(1, len(visible_ranks) + 1))
    assert target["uscc"] not in page.__repr__()
    # Every rank in what they see counts only the firms they see: the explanation's own, the
    # other aggregation's and each leave-one-out rank.
    compared = shortlist(client, me, round_id, "seed", compare="topsis")["items"]
    ranked_seen = [i for i in compared if i["rank"] is not None]
    assert sorted(i["compare"]["rank"] for i in ranked_seen) == visible_ranks
    for item in ranked_seen:
        assert item["compare"]["rank_difference"] == item["compare"]["rank"] - item["rank"]
        if "criteria" in item["explanation"]:
            assert item["explanation"]["rank"] == item["rank"]
    for criterion in page["run"]["criteria"]:
        left_out = sorted(i["explanation"]["robustness"]["leave_one_out"][criterion]["rank"]
                          for i in ranked_seen if "robustness" in i["explanation"])
        assert left_out == list(range(1, len(left_out) + 1)), criterion

    exported = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv", "lang": "en"}, headers=me)
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    assert target["uscc"] not in text
    assert target["name"] not in text
    _heading, rows = csv_table(exported.content)
    assert sorted(int(r["Rank"]) for r in rows if r["Rank"]) == visible_ranks

    workbook = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "xlsx"}, headers=me)
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets[0]
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert target["uscc"] not in cells
    assert target["name"] not in cells

    chair = shortlist(client, as_role("chair"), round_id, "seed")
    assert target["uscc"] in {i["uscc"] for i in chair["items"]}
    assert client.get(f"/v1/firms/{target['uscc']}/filings", headers=me).status_code == 403
    assert client.get(f"/v1/firms/{target['uscc']}/funding-rounds",
                      headers=me).status_code == 403
    assert client.get(f"/v1/firms/{target['uscc']}/filings", headers=other).status_code == 200
    assert client.get(f"/v1/firms/{ranked[1]['uscc']}/filings", headers=me).status_code == 200
