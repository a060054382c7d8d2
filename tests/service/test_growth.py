"""The growth-model registry: store, list, activate, refuse, and the criterion it feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import scoring
import seed_data.schemes
from scoring.growth import TrainedModel, train_registry_model
from scoring.growth.panel import PANEL_FEATURES
from seed_data.demo import load
from service.access import Role
from service.errors import Conflict
from service.growth import service
from service.keys import Principal
from service.models import GrowthModel

Headers = Callable[[str], dict[str, str]]
ADMIN = Principal(key_id=None, label="test", role=Role.ADMIN)


@cache
def _panel_model() -> TrainedModel:
    """A small model trained on the SYNTHETIC demo panel (shared by the tests, trained once)."""
    demo = load()
    return train_registry_model(
        demo.firms,
        demo.filings,
        demo.funding_rounds,
        as_of_years=[2021, 2022],
        trained_on=dt.date(2026, 1, 1),
        kind="logistic",
        synthetic=True,
    )


def _store(app: FastAPI, trained: TrainedModel, label: str = "panel") -> str:
    with app.state.write_sessions.begin() as session:
        return service.store(session, ADMIN, trained=trained, label=label).id


def test_store_list_and_activate(client: TestClient, app: FastAPI, as_role: Headers) -> None:
    model_id = _store(app, _panel_model())
    assert model_id == _store(app, _panel_model())  # content-addressed: storing twice is a no-op
    listed = client.get("/v1/growth-models", headers=as_role("admin")).json()
    assert [m["id"] for m in listed] == [model_id]
    card = listed[0]["card"]
    assert card["synthetic"] is True
    assert card["model_id"] == model_id
    assert "scikit-learn" in card["library_versions"]
    assert set(card["reference"]["features"]) == set(card["features"])
    assert listed[0]["active"] is False
    path = f"/v1/growth-models/{model_id}/activate"
    # The panel card has one labelled year and no time-split backtest: no evidence.
    refused = client.post(path, headers=as_role("admin"))
    assert refused.status_code == 409
    assert "no time-split backtest" in refused.json()["detail"]
    assert refused.json()["evidence"]["passes"] is False
    blank = client.post(path, json={"reason": "   "}, headers=as_role("admin"))
    assert blank.status_code == 422  # a reason must say something
    activated = client.post(
        path, json={"reason": "demo: shows the criterion at work"}, headers=as_role("admin")
    )
    assert activated.status_code == 200, activated.text
    body = activated.json()
    assert body["active"] is True
    assert body["override_reason"] == "demo: shows the criterion at work"
    assert body["drift"] is None  # no round has nominations yet
    events = client.get(
        "/v1/audit", params={"action": "growth_model.activate"}, headers=as_role("admin")
    ).json()["items"]
    assert events[0]["target_id"] == model_id
    assert events[0]["reason"] == "demo: shows the criterion at work"
    assert events[0]["detail"]["override"] is True
    assert (
        client.post("/v1/growth-models/ffffffff/activate", headers=as_role("admin")).status_code
        == 404
    )


def test_the_card_endpoint_shows_the_evidence_and_what_the_card_lacks(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    model_id = _store(app, _panel_model())
    response = client.get(f"/v1/growth-models/{model_id}", headers=as_role("reviewer"))
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["id"] == model_id
    assert shown["evidence"]["passes"] is False
    # Trained without a backtest: calibrated on its own years, but no evidence to activate on.
    assert "backtest" in shown["missing_sections"]
    assert not {"calibration", "data_range"} & set(shown["missing_sections"])
    assert shown["card"]["data_range"]["as_of_years"] == [2021, 2022]
    tracker = client.get(f"/v1/growth-models/{model_id}", headers=as_role("tracker"))
    assert tracker.status_code == 403
    assert client.get("/v1/growth-models/ffffffff", headers=as_role("admin")).status_code == 404


def _with_backtest(model_auc: float, baseline_auc: float, *, test_years: list[int]
                   ) -> TrainedModel:
    trained = _panel_model()
    backtest = {
        "train_years": [2013, 2018],
        "validation_year": 2018,
        "test_years": test_years,
        "model": {"auc": model_auc, "brier": 0.15},
        "amount_only_baseline": {"auc": baseline_auc, "brier": 0.18},
    }
    return TrainedModel(estimator=trained.estimator, card={**trained.card, "backtest": backtest})


def test_a_backtest_beating_its_baseline_is_evidence_enough(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    model_id = _store(app, _with_backtest(0.74, 0.66, test_years=[2020, 2021]))
    activated = client.post(f"/v1/growth-models/{model_id}/activate", headers=as_role("admin"))
    assert activated.status_code == 200, activated.text
    evidence = activated.json()["evidence"]
    assert evidence["passes"] is True
    assert evidence["model_auc"] == 0.74
    assert evidence["baseline_auc"] == {"amount_only_baseline": 0.66}
    assert activated.json()["override_reason"] is None


@pytest.mark.parametrize(
    ("model_auc", "test_years", "says"),
    [
        (0.66, [2020, 2021], "does not beat amount_only_baseline 0.66"),
        (0.60, [2020, 2021], "does not beat amount_only_baseline 0.66"),
        (0.74, [2017, 2018], "not a time split"),
    ],
)
def test_a_backtest_that_proves_nothing_is_refused(
    client: TestClient,
    app: FastAPI,
    as_role: Headers,
    model_auc: float,
    test_years: list[int],
    says: str,
) -> None:
    model_id = _store(app, _with_backtest(model_auc, 0.66, test_years=test_years))
    refused = client.post(f"/v1/growth-models/{model_id}/activate", headers=as_role("admin"))
    assert refused.status_code == 409
    assert says in refused.json()["detail"]


def test_a_model_from_another_source_is_not_activated(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    trained = _panel_model()
    foreign = TrainedModel(
        estimator=trained.estimator, card={**trained.card, "source": "crunchbase-2013"}
    )
    model_id = _store(app, foreign, label="crunchbase")
    response = client.post(f"/v1/growth-models/{model_id}/activate", headers=as_role("admin"))
    assert response.status_code == 409
    assert "crunchbase-2013" in response.json()["detail"]


def test_a_model_saved_under_another_sklearn_is_refused(app: FastAPI) -> None:
    model_id = _store(app, _panel_model())
    maker = app.state.write_sessions
    with maker.begin() as session:
        model = session.get(GrowthModel, model_id)
        assert model is not None
        versions = {**model.card["library_versions"], "scikit-learn": "0.24.2"}
        model.card = {**model.card, "library_versions": versions}
    with maker.begin() as session, pytest.raises(Conflict, match=r"0\.24\.2"):
        service.activate(session, ADMIN, model_id=model_id)


def test_growth_frame_feeds_the_criterion_only_when_enabled(app: FastAPI) -> None:
    demo = load()
    seed = seed_data.schemes.load_bundled_scheme("seed")
    assert seed.growth_model is not None
    enabled = scoring.load_scheme(
        {
            **seed.model_dump(mode="json", exclude_none=True),
            "version": seed.version + 1,
            "growth_model": {**seed.growth_model.model_dump(exclude_none=True), "enabled": True},
        }
    )
    firms = demo.firms[demo.firms["stage_hint"] == "start-up"].head(200)
    usccs = set(firms["uscc"])
    filings = demo.filings[demo.filings["uscc"].isin(usccs)]
    rounds = demo.funding_rounds[demo.funding_rounds["uscc"].isin(usccs)]
    reference = dt.date(2026, 6, 30)
    maker = app.state.write_sessions
    with maker.begin() as session:
        assert service.use(
            session, enabled, firms, filings, rounds, reference_date=reference
        ) is None  # none active
    model_id = _store(app, _panel_model())
    with maker.begin() as session:
        service.activate(session, ADMIN, model_id=model_id, reason="test")
    with maker.begin() as session:
        assert service.use(
            session, seed, firms, filings, rounds, reference_date=reference
        ) is None  # disabled
        used = service.use(session, enabled, firms, filings, rounds, reference_date=reference)
    assert used is not None
    assert used.model.id == model_id
    frame = used.frame
    assert frame is not None
    probabilities = frame["probability"].dropna()
    assert len(probabilities) > 100
    assert ((probabilities > 0) & (probabilities < 1)).all()
    indicators = scoring.derive_indicators(
        firms, filings, rounds, reference_date=reference, usd_cny=7.2
    )
    with_growth = scoring.score(enabled, indicators, growth=frame)
    without = scoring.score(seed, indicators)
    rows = scoring.explanations.criteria(with_growth)
    growth_points = rows.query("criterion == 'growth_model'")["points"]
    assert growth_points.max() <= 10
    # The explanation is data: probability, points under the cap, factors in two languages.
    firm = str(probabilities.index[0])
    explained = scoring.explain(with_growth, firm)
    growth = explained["growth"]
    assert growth["probability"] == pytest.approx(probabilities.iloc[0])
    assert growth["points"] == pytest.approx(min(growth["probability"] * 10, 10))
    assert growth["max_points"] == 10
    assert len(growth["factors"]) == 3
    for factor in growth["factors"]:
        assert factor["feature"] in PANEL_FEATURES
        assert isinstance(factor["contribution"], float)
        assert factor["text_en"]
        assert factor["text_zh"]
        assert ("raises" in factor["text_en"]) == (factor["contribution"] >= 0)
    titled = {c["criterion"]: c["title"] for c in explained["criteria"]}
    assert titled["growth_model"] == "成长模型预测概率 — Growth-model probability"
    assert not any(c["note"] and "(" in c["note"] for c in explained["criteria"]
                   if c["criterion"] == "growth_model")  # no repr string left in a note
    assert not np.allclose(with_growth.total, without.total)
