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
    assert listed[0]["active"] is False
    activated = client.post(f"/v1/growth-models/{model_id}/activate", headers=as_role("admin"))
    assert activated.status_code == 200, activated.text
    assert activated.json()["active"] is True
    events = client.get(
        "/v1/audit", params={"action": "growth_model.activate"}, headers=as_role("admin")
    ).json()["items"]
    assert events[0]["target_id"] == model_id
    assert (
        client.post("/v1/growth-models/ffffffff/activate", headers=as_role("admin")).status_code
        == 404
    )


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
        assert service.growth_frame(
            session, enabled, firms, filings, rounds, reference_date=reference
        ) == (None, None)  # none active
    model_id = _store(app, _panel_model())
    with maker.begin() as session:
        service.activate(session, ADMIN, model_id=model_id)
    with maker.begin() as session:
        assert service.growth_frame(
            session, seed, firms, filings, rounds, reference_date=reference
        ) == (None, None)  # disabled
        frame, used = service.growth_frame(
            session, enabled, firms, filings, rounds, reference_date=reference
        )
    assert used == model_id
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
    assert not np.allclose(with_growth.total, without.total)
