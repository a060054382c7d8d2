"""A score run under a scheme that enables the growth model records the active model, its drift
watch and, per firm, the growth criterion as data; the shortlist, export and pages show them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from scoring.growth import TrainedModel, train_registry_model
from seed_data.demo import load
from service.access import Role
from service.growth import service as growth_service
from service.keys import Principal
from tests.service.pages.test_pages import sign_in
from tests.service.selection.builders import (
    Headers,
    csv_table,
    score,
    scored_round,
    shortlist,
)

ADMIN = Principal(key_id=None, label="test", role=Role.ADMIN)


@cache
def _panel_model() -> TrainedModel:
    demo = load()
    return train_registry_model(demo.firms, demo.filings, demo.funding_rounds,
                                as_of_years=[2021, 2022], trained_on=dt.date(2026, 1, 1),
                                kind="logistic")


def _enable_growth(client: TestClient, as_role: Headers) -> int:
    """Post the next version of the seed scheme with the growth model on; its version."""
    seed = client.get("/v1/schemes/seed", headers=as_role("admin")).json()  # the active one
    document = seed["document"]
    document["version"] = seed["version"] + 1
    document["growth_model"] = {**document["growth_model"], "enabled": True}
    posted = client.post("/v1/schemes", json=document, headers=as_role("admin"))
    assert posted.status_code == 201, posted.text
    return int(seed["version"]) + 1


def test_a_run_records_the_growth_model_its_scheme_enables(
    client: TestClient, as_role: Headers, app: FastAPI, api_keys: dict[str, str]
) -> None:
    with app.state.write_sessions.begin() as session:
        model_id = growth_service.store(session, ADMIN, trained=_panel_model(),
                                        label="panel").id
    round_id = scored_round(client, as_role, per_cohort=10)
    # Activation compares the newest round's nominated firms with the training data.
    activated = client.post(f"/v1/growth-models/{model_id}/activate",
                            json={"reason": "test: a model trained without a backtest"},
                            headers=as_role("admin"))
    assert activated.status_code == 200, activated.text
    at_activation = activated.json()["drift"]
    assert at_activation["round_id"] == round_id
    assert at_activation["n_pool"] > 0
    assert at_activation["level"] in ("stable", "moderate", "major")
    before = shortlist(client, as_role("admin"), round_id, "seed")["run"]
    assert before["growth_model_id"] is None  # the bundled seed scheme leaves it disabled
    assert before["growth_model"] is None
    assert before["growth_drift"] is None
    version = _enable_growth(client, as_role)
    run = score(client, as_role, round_id, "seed")
    assert run["growth_model_id"] == model_id
    assert run["growth_model"] == {"id": model_id, "label": "panel",
                                   "card_url": f"/v1/growth-models/{model_id}"}
    assert run["scheme"]["version"] == version
    assert "growth_model" in run["criteria"]
    assert run["input_fingerprint"] != before["input_fingerprint"]
    drift = run["growth_drift"]
    assert drift["thresholds"] == {"moderate": 0.1, "major": 0.25}
    assert drift["drifted"] == any(f["psi"] > 0.25 for f in drift["features"])
    assert {f["feature"] for f in drift["features"]} >= {"log_revenue", "sector"}
    assert drift["summary_en"]
    assert drift["summary_zh"]
    again = client.get(f"/v1/rounds/{round_id}/cohorts/seed/score-runs/{run['id']}",
                       headers=as_role("admin")).json()
    assert again["growth_drift"] == drift

    listed = shortlist(client, as_role("chair"), round_id, "seed")
    assert listed["run"]["growth_model"]["id"] == model_id
    scored = [i for i in listed["items"] if i["growth"]["probability"] is not None]
    assert scored
    for item in scored:
        growth = item["growth"]
        assert growth == item["explanation"]["growth"]
        assert growth["model"]["card_url"] == f"/v1/growth-models/{model_id}"
        assert growth["drift"]["level"] == drift["level"]
        criterion = next(c for c in item["explanation"]["criteria"]
                         if c["criterion"] == "growth_model")
        assert criterion["title"] == "成长模型预测概率 — Growth-model probability"
        assert growth["points"] == criterion["points"]
        assert growth["points"] <= growth["max_points"]
        assert [f["feature"] for f in growth["factors"]]
        assert all(f["text_zh"] and f["text_en"] for f in growth["factors"])

    exported = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "csv", "lang": "en"}, headers=as_role("chair"))
    assert exported.status_code == 200
    lines = {row[0]: row[1] for row in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))
             if len(row) > 1}
    assert model_id[:12] in lines["Growth model"]
    assert f"/v1/growth-models/{model_id}" in lines["Growth model"]
    assert lines["Drift"].startswith(drift["level"])
    _heading, rows = csv_table(exported.content)
    header = list(rows[0])
    assert any(h.startswith("Growth-model probability (of ") for h in header), header
    assert "Growth-model probability raw value" in header
    assert not any(h.startswith("growth model") for h in header)
    workbook = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                          params={"format": "xlsx", "lang": "en"}, headers=as_role("chair"))
    criteria = [r[0] for r in load_workbook(io.BytesIO(workbook.content),
                                            read_only=True)["Scheme"].iter_rows(values_only=True)]
    assert "Growth-model probability" in criteria
    chinese = client.get(f"/v1/rounds/{round_id}/cohorts/seed/shortlist",
                         params={"format": "csv"}, headers=as_role("chair"))
    assert "成长模型预测概率 原始值" in list(csv_table(chinese.content)[1][0])

    sign_in(client, api_keys["chair"])
    page = client.get(f"/ui/rounds/{round_id}/cohorts/seed/shortlist")
    assert f"/ui/growth-models/{model_id}" in page.text
    firm = client.get(f"/ui/rounds/{round_id}/cohorts/seed/firms/{scored[0]['uscc']}?lang=en")
    assert firm.status_code == 200
    assert 'id="growth-heading"' in firm.text
    assert f'data-growth-probability="{scored[0]["growth"]["probability"]!r}"' in firm.text
    assert scored[0]["growth"]["factors"][0]["text_en"] in firm.text.replace("&amp;", "&")
    assert f'data-drift="{drift["level"]}"' in firm.text
    card_page = client.get(f"/ui/growth-models/{model_id}")
    assert card_page.status_code == 200
    assert "SYNTHETIC" in card_page.text
