"""Robustness served with the shortlist: leave-one-out per criterion (in or out of capacity)
and the other aggregation's ranking beside the scheme's, checked against the points shown."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from tests.service.selection.builders import Headers, csv_table, scored_round, shortlist


def test_compare_topsis_ranks_the_shown_points_by_closeness(
    client: TestClient, as_role: Headers
) -> None:
    round_id = scored_round(client, as_role, per_cohort=30, capacity=5)
    page = shortlist(client, as_role("chair"), round_id, "seed", compare="topsis")
    eligible = [i for i in page["items"] if i["eligible"]]
    assert len(eligible) >= 5
    criteria = page["run"]["criteria"]
    points = np.array([[next(c["points"] or 0.0 for c in i["explanation"]["criteria"]
                             if c["criterion"] == k) for k in criteria] for i in eligible])
    d_better = np.sqrt(((points - points.max(axis=0)) ** 2).sum(axis=1))
    d_worse = np.sqrt(((points - points.min(axis=0)) ** 2).sum(axis=1))
    closeness = np.where(d_better + d_worse > 0, d_worse / (d_better + d_worse), 0.0)
    expected = np.lexsort(([i["rank"] for i in eligible], -closeness))
    by_topsis = [eligible[j]["uscc"] for j in expected]
    shown = sorted(eligible, key=lambda i: i["compare"]["rank"])
    assert [i["uscc"] for i in shown] == by_topsis
    for item in eligible:
        assert item["compare"]["method"] == "topsis"
        assert item["compare"]["rank_difference"] == item["compare"]["rank"] - item["rank"]
    plain = shortlist(client, as_role("chair"), round_id, "seed")
    assert all(i["compare"] is None for i in plain["items"])
    own = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                     params={"compare": "weighted-sum"}, headers=as_role("chair"))
    assert own.status_code == 422
    assert own.json()["errors"][0]["loc"] == ["query", "compare"]

    exported = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv", "compare": "topsis", "lang": "en"},
                          headers=as_role("chair"))
    rows = {r["USCC"]: r for r in csv_table(exported.content)[1]}
    assert rows[eligible[0]["uscc"]]["Rank under topsis"] == str(eligible[0]["compare"]["rank"])


def test_leave_one_out_says_in_or_out_of_capacity_per_criterion(
    client: TestClient, as_role: Headers
) -> None:
    capacity = 5
    round_id = scored_round(client, as_role, per_cohort=30, capacity=capacity)
    page = shortlist(client, as_role("chair"), round_id, "seed")
    criteria = set(page["run"]["criteria"])
    eligible = [i for i in page["items"] if i["eligible"]]
    for item in eligible:
        left_out = item["explanation"]["robustness"]["leave_one_out"]
        assert set(left_out) == criteria
        for entry in left_out.values():
            assert entry["within_capacity"] == (entry["rank"] <= capacity)
    # Dropping a criterion moves each firm by its own points only: one whose points on it are
    # zero cannot fall behind the firms it led.
    for item in eligible:
        for c in item["explanation"]["criteria"]:
            if c["points"] == 0 and item["rank"] <= capacity:
                assert item["explanation"]["robustness"]["leave_one_out"][c["criterion"]][
                    "rank"] <= item["rank"]
    ineligible = [i for i in page["items"] if not i["eligible"]]
    assert all(i["explanation"]["robustness"]["leave_one_out"] is None for i in ineligible)
