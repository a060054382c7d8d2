from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator

from scoring.growth.model import KINDS, GrowthClassifier
from tests.scoring.growth.builders import random_frame


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_passes_scikit_learns_estimator_checks() -> None:
    # Two calibration folds, not five: the same code and contract at 40% less of its CPU.
    results = check_estimator(
        GrowthClassifier(calibration_folds=2), on_fail=None,
        expected_failed_checks={
            "check_non_transformer_estimators_n_iter":
                "a calibrated wrapper around one or two models has no single n_iter_",
        })
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []


def test_init_stores_parameters_only_and_clone_keeps_them() -> None:
    model = GrowthClassifier("gbm", C=0.5, random_state=7)
    assert model.get_params()["kind"] == "gbm"
    assert not [name for name in vars(model) if name.endswith("_")]
    assert clone(model).get_params() == model.get_params()


@pytest.mark.parametrize("kind", KINDS)
def test_fit_returns_self_and_predicts_probabilities(kind: str) -> None:
    x, y = random_frame()
    model = GrowthClassifier(kind)
    assert model.fit(x, y) is model
    proba = model.predict_proba(x)
    assert proba.shape == (len(x), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert list(model.feature_names_in_) == ["a", "b", "sector"]
    assert model.categorical_features_ == ["sector"]


def test_unfitted_model_refuses_to_predict() -> None:
    x, _ = random_frame()
    with pytest.raises(NotFittedError):
        GrowthClassifier().predict_proba(x)


def test_unknown_kind_is_refused() -> None:
    x, y = random_frame()
    with pytest.raises(ValueError, match="kind must be one of"):
        GrowthClassifier("forest").fit(x, y)


@pytest.mark.parametrize("kind", KINDS)
def test_seeded_fits_are_identical(kind: str) -> None:
    x, y = random_frame()
    first = GrowthClassifier(kind, random_state=3).fit(x, y).predict_proba(x)
    second = GrowthClassifier(kind, random_state=3).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("kind", KINDS)
def test_explain_names_the_driving_features_with_signs(kind: str) -> None:
    x, y = random_frame(n=400)
    model = GrowthClassifier(kind).fit(x, y)
    high = pd.DataFrame({"a": [3.0], "b": [0.0], "sector": ["ai"]})
    low = pd.DataFrame({"a": [-3.0], "b": [0.0], "sector": ["ai"]})
    (top_high,), (top_low,) = model.explain(high, top=2), model.explain(low, top=2)
    assert len(top_high) == 2
    assert top_high[0][0] == "a"
    assert top_high[0][1] > 0
    assert top_low[0][0] == "a"
    assert top_low[0][1] < 0


def test_logistic_contributions_add_up_to_the_linear_score() -> None:
    x, y = random_frame()
    model = GrowthClassifier("logistic").fit(x, y)
    contributions = model.contributions(x).sum(axis=1).to_numpy()
    pipeline = model.members_["logistic"].calibrated_classifiers_[0].estimator
    linear = pipeline.decision_function(x)
    intercept = pipeline.named_steps["model"].intercept_[0]
    np.testing.assert_allclose(contributions + intercept, linear, rtol=1e-9, atol=1e-9)


def test_unseen_categories_and_missing_values_are_scored() -> None:
    x, y = random_frame()
    model = GrowthClassifier("gbm").fit(x, y)
    odd = pd.DataFrame({"a": [np.nan], "b": [1.0], "sector": ["quantum"]})
    proba = model.predict_proba(odd)
    assert 0 < proba[0, 1] < 1


@pytest.mark.parametrize("kind", KINDS)
def test_recalibration_moves_probabilities_but_keeps_the_ranking(kind: str) -> None:
    x, y = random_frame(n=300)
    model = GrowthClassifier(kind).fit(x, y)
    before = model.predict_proba(x)[:, 1]
    # A later year whose base rate fell: the same scores, fewer positives.
    later = (np.random.default_rng(1).random(len(y)) < before / 3).astype(int)
    model.recalibrate(before, later)
    after = model.predict_proba(x)[:, 1]
    assert model.recalibration_["slope"] > 0
    assert after.mean() == pytest.approx(later.mean(), abs=0.02)
    assert after.mean() < before.mean() - 0.1
    np.testing.assert_array_equal(np.argsort(before, kind="stable"),
                                  np.argsort(after, kind="stable"))
    np.testing.assert_allclose(model.recalibrate_scores(before), after)
    # Refitting starts from the inner calibration again.
    np.testing.assert_allclose(model.fit(x, y).predict_proba(x)[:, 1], before)


def test_scores_that_invert_the_outcomes_only_shift_to_the_base_rate() -> None:
    x, y = random_frame()
    model = GrowthClassifier().fit(x, y)
    scores = model.predict_proba(x)[:, 1]
    outcomes = np.where(np.arange(len(y)) < 40, 1 - y, 0)  # inverted, and a lower rate
    model.recalibrate(scores, outcomes)
    assert model.recalibration_["slope"] == 1.0
    shifted = model.recalibrate_scores(scores)
    assert shifted.mean() == pytest.approx(outcomes.mean(), abs=1e-6)
    np.testing.assert_array_equal(np.argsort(scores, kind="stable"),
                                  np.argsort(shifted, kind="stable"))
    with pytest.raises(ValueError, match="both outcomes"):
        model.recalibrate(scores, np.zeros_like(y))
    with pytest.raises(NotFittedError):
        GrowthClassifier().recalibrate(scores, y)


def test_a_blend_of_two_fits_is_the_blend_fit() -> None:
    x, y = random_frame()
    logistic = GrowthClassifier("logistic", random_state=3).fit(x, y)
    gbm = GrowthClassifier("gbm", random_state=3).fit(x, y)
    blend = GrowthClassifier.blend_of(logistic, gbm)
    fitted = GrowthClassifier("blend", random_state=3).fit(x, y)
    assert blend.get_params() == fitted.get_params()
    # Bit for bit, not approximately: the backtest reuses the members instead of refitting.
    assert np.array_equal(blend.predict_proba(x), fitted.predict_proba(x))
    assert blend.contributions(x).equals(fitted.contributions(x))
    with pytest.raises(ValueError, match="same parameters"):
        GrowthClassifier.blend_of(logistic, GrowthClassifier("gbm", random_state=4).fit(x, y))
    with pytest.raises(ValueError, match="feature_names_in_"):
        GrowthClassifier.blend_of(logistic, GrowthClassifier("gbm", random_state=3).fit(
            x.rename(columns={"a": "z"}), y))
