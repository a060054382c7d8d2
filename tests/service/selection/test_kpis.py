"""Programme KPIs of a published round, checked against the SYNTHETIC demo figures directly."""

from __future__ import annotations

from fastapi.testclient import TestClient

from seed_data.demo import load
from tests.service.selection.builders import Headers, scored_round
from tests.service.selection.test_publication import published_round


def test_kpis_count_members_against_the_targets(client: TestClient, as_role: Headers) -> None:
    round_id, selected = published_round(client, as_role)
    response = client.get(f"/v1/rounds/{round_id}/kpis", headers=as_role("officer"))
    assert response.status_code == 200, response.text
    body = response.json()
    cohorts = {c["cohort"]: c for c in body["cohorts"]}
    assert {c: cohorts[c]["members"] for c in cohorts} == {c: len(v) for c, v in selected.items()}
    data = load()
    filings = data.filings[data.filings["fiscal_year"] <= 2025]
    latest = filings.sort_values("fiscal_year").groupby("uscc").tail(1).set_index("uscc")
    revenue = latest["revenue"].reindex(selected["leader"])
    leader = {t["indicator"]: t for t in cohorts["leader"]["targets"]}
    assert leader["revenue_100m"]["firms"] == sorted(revenue.index[revenue >= 1e8])
    assert leader["revenue_10bn"]["firms"] == sorted(revenue.index[revenue >= 1e10])
    assert leader["revenue_100bn"]["target"] == "2–3"
    assert leader["revenue_100m"]["met"] == (leader["revenue_100m"]["count"] >= 30)
    unicorns = cohorts["hidden-champion"]["targets"][0]
    assert unicorns["indicator"] == "unicorns"
    assert unicorns["target_min"] == 10
    assert set(unicorns["firms"]) <= set(selected["hidden-champion"])
    seed = cohorts["seed"]["targets"][0]
    assert "Class I IP" in seed["condition"]
    assert set(seed["firms"]) <= set(selected["seed"])


def test_kpis_wait_for_publication(client: TestClient, as_role: Headers) -> None:
    round_id = scored_round(client, as_role, per_cohort=3, cohorts=())
    response = client.get(f"/v1/rounds/{round_id}/kpis", headers=as_role("admin"))
    assert response.status_code == 409
