"""Programme KPIs of a published round, checked against the SYNTHETIC demo figures directly."""

from __future__ import annotations

from fastapi.testclient import TestClient

from seed_data.demo import load
from tests.service.selection.builders import Headers, scored_round
from tests.service.selection.test_publication import published_round


def test_kpis_count_members_that_newly_reach_a_level(
    client: TestClient, as_role: Headers
) -> None:
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
    # Nothing new has been filed since publication: the levels held are the baseline, not progress.
    assert leader["revenue_100m"]["at_publication"] == int((revenue >= 1e8).sum())
    assert leader["revenue_10bn"]["at_publication"] == int((revenue >= 1e10).sum())
    assert all(t["count"] == 0 and not t["firms"] for c in cohorts.values()
               for t in c["targets"])
    assert leader["revenue_100bn"]["target"] == "2–3"
    assert leader["revenue_100m"]["met"] is False  # the gate (≥ 10亿) does not meet "30+ 亿元"

    grower = revenue.index[revenue < 1e10][0]
    filed = client.get(f"/v1/firms/{grower}/filings", headers=as_role("officer")).json()[-1]
    figures = {k: v for k, v in filed.items()
               if k not in ("uscc", "fiscal_year", "created_at", "updated_at")}
    figures.update(revenue=2e10, main_business_revenue=1.9e10)
    put = client.put(f"/v1/firms/{grower}/filings/2026", json=figures,
                     headers=as_role("officer"))
    assert put.status_code in (200, 201), put.text
    later = client.get(f"/v1/rounds/{round_id}/kpis", params={"as_of": "2027-06-30"},
                       headers=as_role("officer")).json()
    leader = {t["indicator"]: t for c in later["cohorts"] if c["cohort"] == "leader"
              for t in c["targets"]}
    assert leader["revenue_10bn"]["firms"] == [grower]
    assert leader["revenue_10bn"]["by_year"] == {"2026": 1, "2027": 0}
    assert leader["revenue_10bn"]["count"] == 1
    assert leader["revenue_100m"]["count"] == 0  # it was above 1亿 already
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
