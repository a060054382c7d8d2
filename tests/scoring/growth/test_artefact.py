from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sklearn

from scoring.growth.artefact import ModelVersionError, dump_model, load_model, model_id
from scoring.growth.card import TrainedModel, train_model
from scoring.growth.fits import Fits
from scoring.growth.sources import run_backtest, train_crunchbase_model
from tests.scoring.growth.builders import FIXTURES, random_frame


def _trained() -> TrainedModel:
    x, y = random_frame()
    cohort = x.assign(label=y)
    return train_model(cohort, features=["a", "b", "sector"], label="oecd-high-growth-3y",
                       kind="logistic", trained_on=date(2026, 1, 2), source="synthetic-test",
                       metrics={"auc": 0.5})


def test_card_records_what_the_registry_needs() -> None:
    card = _trained().card
    assert card["trained_on"] == "2026-01-02"
    assert card["library_versions"]["scikit-learn"] == sklearn.__version__
    assert card["features"] == ["a", "b", "sector"]
    assert len(card["data_fingerprint"]["frame"]) == 64
    assert card["synthetic"] is True
    assert card["metrics"] == {"auc": 0.5}
    json.dumps(card)  # the card is plain JSON


def test_round_trip_gives_the_same_predictions_and_a_stable_id() -> None:
    trained = _trained()
    blob = dump_model(trained)
    card = {**trained.card, "model_id": model_id(blob)}
    loaded = load_model(blob, card)
    x, _ = random_frame(seed=5)
    np.testing.assert_array_equal(loaded.predict_proba(x), trained.estimator.predict_proba(x))
    assert model_id(dump_model(trained)) == model_id(blob)


def test_a_card_from_another_scikit_learn_is_refused() -> None:
    trained = _trained()
    blob = dump_model(trained)
    card = {**trained.card, "library_versions": {"scikit-learn": "0.24.2"}}
    with pytest.raises(ModelVersionError, match=r"scikit-learn 0\.24\.2"):
        load_model(blob, card)


def test_an_artefact_from_another_scikit_learn_is_refused_before_unpickling() -> None:
    trained = _trained()
    header, _, payload = dump_model(trained).partition(b"\n")
    fields = json.loads(header)
    fields["scikit-learn"] = "1.0.0"
    # A payload that would fail to unpickle proves the refusal comes first.
    blob = json.dumps(fields).encode() + b"\n" + b"not a pickle"
    with pytest.raises(ModelVersionError, match=r"artefact says scikit-learn 1\.0\.0"):
        load_model(blob, trained.card)
    assert payload


def test_a_blob_that_does_not_match_its_id_or_format_is_refused() -> None:
    trained = _trained()
    blob = dump_model(trained)
    with pytest.raises(ModelVersionError, match="does not match"):
        load_model(blob, {**trained.card, "model_id": "0" * 64})
    with pytest.raises(ModelVersionError, match="not a cohorts-growth-model"):
        load_model(b"\x80\x04junk", trained.card)


def test_frame_fingerprint_changes_with_the_data() -> None:
    first = _trained().card["data_fingerprint"]["frame"]
    x, y = random_frame()
    cohort = x.assign(label=y)
    cohort.loc[0, "a"] = 123.0
    other = train_model(cohort, features=["a", "b", "sector"], label="x", kind="logistic",
                        trained_on=date(2026, 1, 2), source="synthetic-test")
    assert other.card["data_fingerprint"]["frame"] != first
    assert isinstance(pd.Timestamp(other.card["trained_on"]), pd.Timestamp)


def test_crunchbase_card_carries_backtest_calibration_range_label_and_versions() -> None:
    # One Fits for both, as service.growth.service.train_with_backtest passes.
    fits = Fits()
    metrics = run_backtest(FIXTURES, train_until=2008, test_years=(2009, 2010), kind="logistic",
                           fits=fits)
    card = train_crunchbase_model(FIXTURES, trained_on=date(2026, 1, 2), kind="logistic",
                                  metrics=metrics, fits=fits).card
    backtest = card["backtest"]
    assert backtest["train_years"] == [2005, 2008]
    assert backtest["validation_year"] == 2008
    assert backtest["test_years"] == [2009, 2010]
    assert backtest["model"]["auc"] == metrics["auc"]
    assert backtest["amount_only_baseline"]["auc"] == metrics["baseline_auc"]
    assert backtest["base_rate_predictor"]["brier"] == metrics["base_rate_brier"]
    calibration = card["calibration"]
    assert calibration["validation_year"] == 2010
    # Pooled out-of-time years: each scored by a model fitted on the years before it.
    assert calibration["calibration_years"][-1] == 2010
    assert calibration["calibration_years"][0] > 2005
    assert calibration["n_calibration"] > calibration["n_validation"]
    assert calibration["map"]["slope"] > 0
    assert calibration["on_backtest_test_years"] == metrics["calibration"]
    for key in ("reliability_before", "reliability_after"):
        bins = calibration["on_validation_year"][key]
        assert sum(b["n"] for b in bins) == calibration["n_validation"]
    assert card["data_range"]["first_as_of"].startswith("2005")
    assert card["data_range"]["last_as_of"].startswith("2010")
    assert card["data_range"]["observed_until"] == "2013-10-01"
    assert card["label_definition"].startswith("a series-b")
    assert "log_amount" in card["features"]
    assert card["library_versions"]["scikit-learn"] == sklearn.__version__
    assert card["attribution"].startswith("Data from CrunchBase")
    json.dumps(card)
