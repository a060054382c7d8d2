from __future__ import annotations

import pandas as pd
import pytest

from scoring.growth.backtest import (
    backtest_cohort,
    calibration_report,
    calibration_scores,
    check_split,
    default_origins,
    rolling_origin,
    validation_scores,
)
from scoring.growth.crunchbase import FEATURES, build_cohort
from scoring.growth.fits import Fits
from scoring.growth.metrics import score_predictions
from scoring.growth.model import GrowthClassifier
from scoring.growth.sources import load_crunchbase, run_backtest, run_rolling_origin
from tests.scoring.growth.builders import FIXTURES

KEYS = {"n_train", "n_test", "base_rate", "auc", "brier", "precision_at_100", "baseline_auc",
        "baseline_precision_at_100", "base_rate_brier", "kind", "per_kind", "reliability",
        "validation", "ece", "calibration", "recalibration"}


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    return run_backtest(FIXTURES, train_until=2008, test_years=(2009, 2010))


def test_backtest_on_the_fixture_slice_returns_every_key_in_range(
        report: dict[str, object]) -> None:
    assert set(report) >= KEYS
    assert report["n_train"] == 231
    assert report["n_test"] == 129
    for key in ("base_rate", "auc", "brier", "precision_at_100", "baseline_auc",
                "baseline_precision_at_100", "base_rate_brier"):
        value = report[key]
        assert isinstance(value, float)
        assert 0.0 <= value <= 1.0, key
    assert report["kind"] in {"logistic", "gbm", "blend"}
    per_kind, validation = report["per_kind"], report["validation"]
    assert isinstance(per_kind, dict)
    assert set(per_kind) == {"logistic", "gbm", "blend"}
    assert isinstance(validation, dict)
    assert validation["year"] == 2008
    bins = report["reliability"]
    assert isinstance(bins, list)
    assert sum(b["n"] for b in bins) == report["n_test"]


def test_backtest_is_deterministic(report: dict[str, object]) -> None:
    again = run_backtest(FIXTURES, train_until=2008, test_years=(2009, 2010))
    assert again == report


def test_another_honest_split_works() -> None:
    result = run_backtest(FIXTURES, train_until=2007, test_years=(2008, 2008), kind="logistic",
                          label="exit-5y")
    assert result["kind"] == "logistic"
    assert result["validation"]["year"] == 2007
    assert result["n_test"] == 70


@pytest.mark.parametrize(("train_until", "test_years", "label", "message"), [
    (2009, (2009, 2010), "series-b-3y", "overlap"),
    (2008, (2007, 2010), "series-b-3y", "overlap"),
    (2009, (2010, 2011), "series-b-3y", "censored"),
    (2007, (2008, 2009), "exit-5y", "censored"),
    (2008, (2010, 2009), "series-b-3y", "not in order"),
    (2008, (2009, 2010), "ipo-1y", "unknown label"),
])
def test_dishonest_splits_are_refused(train_until: int, test_years: tuple[int, int],
                                      label: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_split(train_from=2005, train_until=train_until, test_years=test_years,
                    label=label, observed_until=pd.Timestamp("2013-10-01"))
    with pytest.raises(ValueError, match=message):
        run_backtest(FIXTURES, train_until=train_until, test_years=test_years, label=label)


def test_too_few_firms_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="training years 2000-2003 has 0 firms"):
        run_backtest(FIXTURES, train_from=2000, train_until=2003, test_years=(2004, 2004),
                     kind="logistic")


def test_calibration_is_reported_before_and_after_on_the_test_years(
        report: dict[str, object]) -> None:
    calibration = report["calibration"]
    assert isinstance(calibration, dict)
    for key in ("ece_before", "ece_after", "brier_before", "brier_after"):
        assert 0.0 <= calibration[key] <= 1.0, key
    assert report["ece"] == calibration["ece_after"]
    assert report["brier"] == calibration["brier_after"]
    for key in ("reliability_before", "reliability_after"):
        assert sum(b["n"] for b in calibration[key]) == report["n_test"]
    assert report["recalibration"]["slope"] > 0  # type: ignore[index]
    assert report["calibration_method"] == "platt-pooled"
    methods = report["calibration_methods"]
    assert isinstance(methods, dict)
    assert set(methods) == {"none", "platt-validation-year", "isotonic-validation-year",
                            "platt-pooled", "isotonic-pooled"}
    assert methods["platt-pooled"]["ece"] == report["ece"]
    assert methods["none"]["ece"] == calibration["ece_before"]
    assert methods["platt-validation-year"]["ece"] == report["ece_validation_year_map"]
    for method in methods.values():
        assert sum(b["n"] for b in method["reliability"]) == report["n_test"]
    floor = report["ece_noise_floor"]
    spread = report["ece_noise_floor_p10_p90"]
    assert isinstance(floor, float)
    assert isinstance(spread, list)
    assert 0.0 < spread[0] <= floor <= spread[1]


def test_validation_year_calibration_is_the_one_year_map(cohort: pd.DataFrame) -> None:
    result = backtest_cohort(cohort, train_from=2005, train_until=2008, test_years=(2009, 2010),
                             kind="logistic", calibration="validation-year")
    assert result["calibration_years"] == [2008]
    assert result["ece"] == result["calibration_methods"]["platt-validation-year"]["ece"]
    with pytest.raises(ValueError, match="calibration must be one of"):
        backtest_cohort(cohort, train_from=2005, train_until=2008, test_years=(2009, 2010),
                        calibration="isotonic")


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return build_cohort(load_crunchbase(FIXTURES), first_round_years=(2005, 2010))


def test_test_years_play_no_part_in_training_model_choice_or_calibration(
        cohort: pd.DataFrame) -> None:
    split = {"train_from": 2005, "train_until": 2008, "test_years": (2009, 2010)}
    # Shared fits are keyed by every row and label they were fitted on: a fit that saw a
    # test-year row would be fitted afresh on the tampered rows, and differ.
    fits = Fits()
    honest = backtest_cohort(cohort, **split, fits=fits)  # type: ignore[arg-type]
    # Every test-year outcome flipped.
    test = cohort["as_of"].dt.year >= 2009
    tampered = cohort.copy()
    tampered.loc[test, "label"] = 1 - tampered.loc[test, "label"]
    flipped = backtest_cohort(tampered, **split, fits=fits)  # type: ignore[arg-type]
    assert flipped["kind"] == honest["kind"]
    assert flipped["validation"] == honest["validation"]
    assert flipped["recalibration"] == honest["recalibration"]
    # The pooled calibration years are training years, and their map ignores the test outcomes.
    assert flipped["calibration_years"] == honest["calibration_years"]
    assert max(honest["calibration_years"]) <= 2008
    for method in ("platt-validation-year", "isotonic-validation-year", "platt-pooled",
                   "isotonic-pooled"):
        assert flipped["calibration_methods"][method]["mean_predicted"] == (
            honest["calibration_methods"][method]["mean_predicted"])
    # The same predictions scored against flipped outcomes: ROC AUC becomes 1 − AUC.
    assert flipped["auc"] == pytest.approx(1 - honest["auc"], abs=2e-4)
    assert flipped["per_kind"]["gbm"]["auc"] == pytest.approx(
        1 - honest["per_kind"]["gbm"]["auc"], abs=2e-4)


def test_the_chosen_kind_is_fitted_once_with_the_figures_of_a_refit(
        cohort: pd.DataFrame) -> None:
    # The backtest reuses the chosen kind's fit on every training year; the path it replaced
    # refitted that kind on the same rows, so a refit must give exactly (==) the same figures.
    result = backtest_cohort(cohort, train_from=2005, train_until=2008, test_years=(2009, 2010),
                             kind="logistic")
    years = cohort["as_of"].dt.year
    train, test = cohort[years <= 2008], cohort[years >= 2009]
    y_test = test["label"].to_numpy(dtype=int)
    refit = GrowthClassifier("logistic").fit(train[list(FEATURES)],
                                             train["label"].to_numpy(dtype=int))
    raw = refit.predict_proba(test[list(FEATURES)])[:, 1]
    assert result["per_kind"] == {"logistic": score_predictions(y_test, raw)}
    _, y_val, val_proba = validation_scores(train, kind="logistic")
    _, y_pooled, s_pooled = calibration_scores(train, kind="logistic",
                                               validation=(y_val, val_proba["logistic"]))
    refit.recalibrate(s_pooled, y_pooled)
    calibrated = refit.predict_proba(test[list(FEATURES)])[:, 1]
    figures = score_predictions(y_test, calibrated)
    assert [result[k] for k in ("auc", "brier", "precision_at_100")] == [
        figures["auc"], figures["brier"], figures["precision_at_100"]]
    assert result["recalibration"] == {k: round(v, 4) for k, v in refit.recalibration_.items()}
    assert result["calibration"] == calibration_report(y_test, raw, calibrated)


def test_rolling_origin_summarises_one_backtest_per_origin(cohort: pd.DataFrame) -> None:
    result = rolling_origin(cohort, origins=[2007, 2008], train_from=2005)
    splits = result["splits"]
    assert [s["test_years"] for s in splits] == [[2008, 2008], [2009, 2009]]
    assert [s["train_years"] for s in splits] == [[2005, 2007], [2005, 2008]]
    assert [s["n_test"] for s in splits] == [
        int((cohort["as_of"].dt.year == year).sum()) for year in (2008, 2009)]
    aucs = [s["auc"] for s in splits]
    summary = result["summary"]["auc"]
    assert summary["mean"] == pytest.approx(sum(aucs) / 2, abs=1e-4)
    assert summary["min"] == min(aucs)
    assert summary["max"] == max(aucs)
    assert summary["std"] == pytest.approx(abs(aucs[0] - aucs[1]) / 2 ** 0.5, abs=1e-4)
    for key in ("brier", "precision_at_100", "ece", "baseline_auc"):
        assert set(result["summary"][key]) == {"mean", "std", "min", "max"}


def test_default_origins_stop_where_test_windows_still_close() -> None:
    until = pd.Timestamp("2013-10-01")
    assert default_origins(train_from=2005, label="series-b-3y",
                           observed_until=until) == [2006, 2007, 2008, 2009]
    assert default_origins(train_from=2005, label="exit-5y", observed_until=until) == [2006, 2007]
    for origin in default_origins(train_from=2005, label="exit-5y", observed_until=until):
        check_split(train_from=2005, train_until=origin, test_years=(origin + 1, origin + 1),
                    label="exit-5y", observed_until=until)


def test_rolling_origin_refuses_censored_or_missing_origins() -> None:
    with pytest.raises(ValueError, match="censored"):
        run_rolling_origin(FIXTURES, origins=[2008, 2010])
    with pytest.raises(ValueError, match="at least one origin"):
        rolling_origin(pd.DataFrame(), origins=[], train_from=2005)
