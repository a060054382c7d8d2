from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
import sklearn

from scoring.growth.artefact import ModelVersionError, dump_model, load_model, model_id
from scoring.growth.card import TrainedModel, train_model
from tests.scoring.growth.builders import random_frame


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
