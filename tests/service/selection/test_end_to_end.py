"""A whole round through the HTTP API: nominate SYNTHETIC demo firms by CSV, score the three
cohorts, rate, decide with an override, publish, read membership and get a 304."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.selection.builders import (
    Headers,
    assign,
    candidate_csv,
    nominate,
    open_round,
    publish,
    score,
    shortlist,
    to_state,
)

COHORTS = ("leader", "hidden-champion", "seed")
RATED = {"leader": ["chain_leadership"], "hidden-champion": ["core_technology"],
         "seed": ["business_model_innovation", "hard_tech_distinctiveness"]}


def test_a_round_end_to_end(client: TestClient, as_role: Headers) -> None:
    round_id = open_round(client, as_role, capacity=10)
    nominate(client, as_role, round_id, candidate_csv(100))
    nominations = client.get(f"/v1/rounds/{round_id}/nominations", params={"limit": 1000},
                             headers=as_role("reviewer")).json()["items"]
    assert len(nominations) == 300
    assert to_state(client, as_role, round_id, "scoring").status_code == 200

    rated_ids: dict[str, set[int]] = {}
    for cohort in COHORTS:
        run = score(client, as_role, round_id, cohort)
        assert run["firms_scored"] == 100
        top = shortlist(client, as_role("reviewer"), round_id, cohort, limit=12)["items"]
        rated_ids[cohort] = {item["nomination_id"] for item in top}
        for item in top:
            assign(client, as_role, round_id, item["nomination_id"], as_role("reviewer"))
            rated = client.post(
                f"/v1/rounds/{round_id}/nominations/{item['nomination_id']}/reviews",
                json={"ratings": [{"criterion": c, "score": 8} for c in RATED[cohort]]},
                headers=as_role("reviewer"))
            assert rated.status_code == 201, rated.text
        rescored = score(client, as_role, round_id, cohort)
        assert rescored["ratings_used"] == 12 * len(RATED[cohort])

    selected: dict[str, list[str]] = {}
    for cohort in COHORTS:
        items = shortlist(client, as_role("chair"), round_id, cohort)["items"]
        inside = [i for i in items if i["within_capacity"]]
        below = next(i for i in items if not i["within_capacity"])
        # One reviewer per assigned nomination, so one rating completes a firm; the firms nobody
        # was assigned to still await ratings (0 of 1), so each selection states why.
        complete = {i["nomination_id"] for i in items if i["ratings_complete"]}
        assert complete == rated_ids[cohort]
        decisions = [{"nomination_id": i["nomination_id"], "outcome": "select",
                      "reason": "selected while awaiting ratings"} for i in inside[1:]]
        decisions.append({"nomination_id": inside[0]["nomination_id"], "outcome": "waitlist",
                          "reason": "asked to defer a year"})
        refused = client.post(f"/v1/rounds/{round_id}/cohorts/{cohort}/decisions",
                              json={"decisions": [{"nomination_id": below["nomination_id"],
                                                   "outcome": "select"}]},
                              headers=as_role("chair"))
        assert refused.status_code == 422
        decisions.append({"nomination_id": below["nomination_id"], "outcome": "select",
                          "reason": "strategic chip supplier, below the line by one point"})
        decided = client.post(f"/v1/rounds/{round_id}/cohorts/{cohort}/decisions",
                              json={"decisions": decisions}, headers=as_role("chair"))
        assert decided.status_code == 201, decided.text
        overrides = [d for d in decided.json() if d["override"]]
        assert len(overrides) == 2
        selected[cohort] = sorted([i["uscc"] for i in inside[1:]] + [below["uscc"]])

    published = publish(client, as_role, round_id)
    assert published.status_code == 201, published.text
    assert published.json()["members"] == {c: len(v) for c, v in selected.items()}
    assert client.post(f"/v1/rounds/{round_id}/publish",
                       headers=as_role("admin")).status_code == 409

    for cohort in COHORTS:
        members = client.get(f"/v1/cohorts/{cohort}/members", headers=as_role("tracker"))
        assert members.status_code == 200
        assert sorted(m["uscc"] for m in members.json()["items"]) == selected[cohort]
        assert "total" not in members.text
        assert "reason" not in members.text
        cached = client.get(f"/v1/cohorts/{cohort}/members",
                            headers={**as_role("tracker"),
                                     "If-None-Match": members.headers["etag"]})
        assert cached.status_code == 304

    audit = client.get("/v1/audit", params={"limit": 1000}, headers=as_role("admin")).json()
    actions = {e["action"] for e in audit["items"]}
    assert {"score_run.create", "review.rate", "decision.record", "decision.override",
            "round.publish", "round.state"} <= actions
    kpis = client.get(f"/v1/rounds/{round_id}/kpis", headers=as_role("admin"))
    assert kpis.status_code == 200
