"""A score run under a scheme that enables the growth model records the active model's id."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from fastapi.testclient import TestClient

from scoring.growth import train_registry_model
from seed_data.demo import load
from service.access import Role
from service.growth import service as growth_service
from service.keys import Principal
from tests.service.selection.builders import Headers, score, scored_round, shortlist


def test_a_run_records_the_growth_model_its_scheme_enables(
    client: TestClient, as_role: Headers, app: FastAPI
) -> None:
    demo = load()
    trained = train_registry_model(demo.firms, demo.filings, demo.funding_rounds,
                                as_of_years=[2021, 2022], trained_on=dt.date(2026, 1, 1),
                                kind="logistic")
    with app.state.write_sessions.begin() as session:
        model_id = growth_service.store(
            session, Principal(key_id=None, label="test", role=Role.ADMIN), trained=trained,
            label="panel").id
    activated = client.post(f"/v1/growth-models/{model_id}/activate", headers=as_role("admin"))
    assert activated.status_code == 200, activated.text
    round_id = scored_round(client, as_role, per_cohort=10)
    before = shortlist(client, as_role("admin"), round_id, "seed")["run"]
    assert before["growth_model_id"] is None  # the bundled seed scheme leaves it disabled
    seed = client.get("/v1/schemes/seed", headers=as_role("admin")).json()  # the active one
    document = seed["document"]
    document["version"] = seed["version"] + 1
    document["growth_model"] = {**document["growth_model"], "enabled": True}
    posted = client.post("/v1/schemes", json=document, headers=as_role("admin"))
    assert posted.status_code == 201, posted.text
    run = score(client, as_role, round_id, "seed")
    assert run["growth_model_id"] == model_id
    assert run["scheme"]["version"] == seed["version"] + 1
    assert "growth_model" in run["criteria"]
    assert run["input_fingerprint"] != before["input_fingerprint"]
