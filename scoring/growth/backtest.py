"""A time-split backtest of the growth model on the Crunchbase first-round cohort.

Honest splits only: training firms' first rounds fall in ``train_from``–``train_until``, test
firms' in a later, disjoint range of years, and every test year must have outcome windows that
can close before the data end (firms whose own window is still open are dropped, and counted).
The latest training year is the *validation year*: every kind is fitted on the years before it
and scored on it; ``kind="auto"`` picks the kind by its validation ROC AUC. The Platt map
(``GrowthClassifier.recalibrate``) that the model refitted on all training years then applies
to the test years is fitted on *out-of-time* scores: with ``calibration="pooled"`` (default) on
every training year after the first, each scored by the chosen kind fitted on the years before
it, pooled; with ``"validation-year"`` on the validation year alone. The test years play no part
in model choice or either map. (Nested check, test years 2007 and 2008 only, never 2009–10:
refit-then-map beat the model fitted without the validation year; the pooled Platt map's ECE was
at most the validation-year map's on both kinds and both years, isotonic maps were no better;
shifting to a base rate forecast from past years overshot, as the rate fell every year to 2008.)
Calibration is reported on the test years for every method (``calibration_methods``: none,
Platt or isotonic on the validation year or the pooled years) as ECE and reliability tables,
with ``ece_noise_floor``: the ECE that outcomes drawn from the calibrated probabilities
themselves would score (``metrics.calibration_noise_floor``), below which no method can be
told apart from a perfect one.
The rolling origin repeats the backtest with each year as the one test year after its own
training and validation years, and reports every metric's mean, standard deviation and range.
The baseline is a calibrated logistic model on the first round's amount alone
(``log_amount``, ``amount_missing``; another source passes its own ``features`` and
``baseline_features``, e.g. the registry's recent growth); the base-rate predictor forecasts
the test base rate for every firm, so ``base_rate_brier`` = b(1 − b).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from scoring.growth.crunchbase import (
    FEATURES,
    CrunchbaseData,
    build_cohort,
    label_horizon_years,
)
from scoring.growth.fits import Fits, fit
from scoring.growth.metrics import (
    calibration_noise_floor,
    expected_calibration_error,
    reliability_table,
    score_predictions,
)
from scoring.growth.model import KINDS, GrowthClassifier
from scoring.growth.progress import Progress, report, within

__all__ = [
    "BASELINE_FEATURES",
    "CALIBRATIONS",
    "backtest",
    "backtest_cohort",
    "best_kind",
    "calibration_report",
    "calibration_scores",
    "check_split",
    "default_origins",
    "rolling_backtest",
    "rolling_origin",
    "select_kind",
    "validation_scores",
]

BASELINE_FEATURES: Final = ("log_amount", "amount_missing")
CALIBRATIONS: Final = ("pooled", "validation-year")
_MIN_ROWS: Final = 20


def check_split(*, train_from: int, train_until: int, test_years: tuple[int, int], label: str,
                observed_until: pd.Timestamp) -> None:
    """Raise ValueError unless the split is a forward time split whose test windows can close."""
    first, last = test_years
    horizon = label_horizon_years(label)
    if first > last:
        raise ValueError(f"test years {first}-{last} are not in order")
    if train_from > train_until:
        raise ValueError(f"training years {train_from}-{train_until} are not in order")
    if first <= train_until:
        raise ValueError(f"test years {first}-{last} overlap the training years "
                         f"{train_from}-{train_until}: test years must come after training")
    for year in range(first, last + 1):
        if pd.Timestamp(year=year, month=1, day=1) + pd.DateOffset(years=horizon) > observed_until:
            raise ValueError(
                f"test year {year} is censored for label {label!r}: its {horizon}-year outcome "
                f"windows end after the data end {observed_until.date()}; "
                f"use test years up to {observed_until.year - horizon}")


def _xy(cohort: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    return cohort[list(columns)], cohort["label"].to_numpy(dtype=int)


def _usable(cohort: pd.DataFrame, what: str) -> None:
    if len(cohort) < _MIN_ROWS or cohort["label"].nunique() < 2:
        raise ValueError(f"{what} has {len(cohort)} firms and "
                         f"{cohort['label'].nunique()} outcome(s); need ≥ {_MIN_ROWS} and both")


def _fitted_kinds(kind: str) -> tuple[str, ...]:
    """The member kinds to fit: both for ``auto`` and ``blend``, else only the one asked for."""
    return ("logistic", "gbm") if kind in ("auto", "blend") else (kind,)


def _fit_kinds(x_fit: pd.DataFrame, y_fit: np.ndarray, random_state: int,
               kind: str = "auto", fits: Fits | None = None) -> dict[str, GrowthClassifier]:
    """Every kind to fit (``_fitted_kinds``) fitted on the same rows; the blend is its two
    members' fits (same seed and folds, so exactly ``GrowthClassifier("blend")``'s)."""
    fitted = {each: fit(fits, each, x_fit, y_fit, random_state=random_state)
              for each in _fitted_kinds(kind)}
    if len(fitted) == 2:
        fitted["blend"] = GrowthClassifier.blend_of(fitted["logistic"], fitted["gbm"])
    return fitted


def _kind_probabilities(fitted: dict[str, GrowthClassifier], x_eval: pd.DataFrame
                        ) -> dict[str, np.ndarray]:
    """Positive-class probabilities of every fitted kind; the blend averages its members'."""
    proba = {each: model.predict_proba(x_eval)[:, 1] for each, model in fitted.items()
             if each != "blend"}
    if "blend" in fitted:
        proba["blend"] = (proba["logistic"] + proba["gbm"]) / 2
    return proba


def _year_scores(train: pd.DataFrame, year: int, *, kind: str, features: Sequence[str],
                 random_state: int, fits: Fits | None
                 ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Outcomes of one training year and its scores by each kind (or only ``kind``) fitted on
    the years before."""
    years = train["as_of"].dt.year
    fit_part, valid_part = train[years < year], train[years == year]
    _usable(fit_part, f"the fitting years before validation year {year}")
    _usable(valid_part, f"validation year {year}")
    x_fit, y_fit = _xy(fit_part, tuple(features))
    x_val, y_val = _xy(valid_part, tuple(features))
    return y_val, _kind_probabilities(_fit_kinds(x_fit, y_fit, random_state, kind, fits), x_val)


def validation_scores(train: pd.DataFrame, *, random_state: int = 0,
                      features: Sequence[str] = FEATURES, kind: str = "auto",
                      fits: Fits | None = None
                      ) -> tuple[int, np.ndarray, dict[str, np.ndarray]]:
    """Fit every kind (or only ``kind``) on the years before the latest training year and
    score that year."""
    last = int(train["as_of"].dt.year.max())
    y_val, proba = _year_scores(train, last, kind=kind, features=features,
                                random_state=random_state, fits=fits)
    return last, y_val, proba


def calibration_scores(train: pd.DataFrame, *, kind: str,
                       validation: tuple[np.ndarray, np.ndarray], random_state: int = 0,
                       features: Sequence[str] = FEATURES, fits: Fits | None = None
                       ) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Pooled out-of-time outcomes and scores of ``kind`` on the training years but the first.

    Each year is scored by ``kind`` fitted on the training years before it; ``validation`` holds
    the latest year's outcomes and scores, already computed. Years whose earlier years are too
    few to fit are skipped; the years used are returned first.
    """
    years = sorted(int(y) for y in train["as_of"].dt.year.unique())
    used: list[int] = []
    outcomes: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for year in years[1:-1]:
        try:
            y_year, proba = _year_scores(train, year, kind=kind, features=features,
                                         random_state=random_state, fits=fits)
        except ValueError:
            continue
        used.append(year)
        outcomes.append(y_year)
        scores.append(proba[kind])
    used.append(years[-1])
    outcomes.append(validation[0])
    scores.append(validation[1])
    return used, np.concatenate(outcomes), np.concatenate(scores)


def best_kind(y_val: np.ndarray, proba: dict[str, np.ndarray]) -> tuple[str, dict[str, float]]:
    """Return the kind with the best validation ROC AUC, and every fitted kind's AUC."""
    aucs = {kind: score_predictions(y_val, p)["auc"] for kind, p in proba.items()}
    # Ties go to the simpler model, in KINDS order.
    return max((k for k in KINDS if k in aucs), key=lambda k: (aucs[k], -KINDS.index(k))), aucs


def select_kind(train: pd.DataFrame, *, random_state: int = 0) -> tuple[str, dict[str, float]]:
    """Pick the kind with the best validation ROC AUC on the latest training year (earlier fit)."""
    _, y_val, proba = validation_scores(train, random_state=random_state)
    return best_kind(y_val, proba)


def calibration_report(y: np.ndarray, before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    """ECE, Brier score and reliability table of the same firms before and after calibration."""
    return {
        "ece_before": expected_calibration_error(y, before),
        "ece_after": expected_calibration_error(y, after),
        "brier_before": score_predictions(y, before)["brier"],
        "brier_after": score_predictions(y, after)["brier"],
        "reliability_before": reliability_table(y, before),
        "reliability_after": reliability_table(y, after),
    }


def _isotonic(scores: np.ndarray, y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Apply an isotonic map fitted on out-of-time scores and outcomes (reported, not chosen)."""
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, y)
    return np.asarray(iso.predict(proba), dtype=float)


def _method_report(y: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    return {"ece": expected_calibration_error(y, proba),
            "brier": score_predictions(y, proba)["brier"],
            "mean_predicted": round(float(np.mean(proba)), 4),
            "reliability": reliability_table(y, proba)}


def backtest_cohort(cohort: pd.DataFrame, *, train_from: int, train_until: int,
                    test_years: tuple[int, int], kind: str = "auto",
                    calibration: str = "pooled", random_state: int = 0,
                    features: Sequence[str] = FEATURES,
                    baseline_features: Sequence[str] = BASELINE_FEATURES,
                    progress: Progress | None = None, fits: Fits | None = None
                    ) -> dict[str, Any]:
    """Train on as-of years train_from–train_until of a built cohort, test on test_years
    (``fits``: the caller's, when a later step fits the same rows again)."""
    if kind != "auto" and kind not in KINDS:
        raise ValueError(f"kind must be 'auto' or one of {KINDS}, got {kind!r}")
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {CALIBRATIONS}, got {calibration!r}")
    years = cohort["as_of"].dt.year
    train = cohort[(years >= train_from) & (years <= train_until)]
    test = cohort[(years >= test_years[0]) & (years <= test_years[1])]
    _usable(train, f"training years {train_from}-{train_until}")
    _usable(test, f"test years {test_years[0]}-{test_years[1]}")
    # Only the training years reach model choice and calibration.
    report(progress, f"choosing the kind on validation year {train_until}", 0.0)
    validation_year, y_val, val_proba = validation_scores(train, random_state=random_state,
                                                          features=features, kind=kind, fits=fits)
    best, aucs = best_kind(y_val, val_proba)
    chosen = best if kind == "auto" else kind
    validation: dict[str, Any] = {"year": validation_year, "auc": aucs,
                                  "n": len(y_val), "base_rate": round(float(y_val.mean()), 4)}
    report(progress, f"fitting every kind on {train_from}-{train_until}", 0.4)
    x_train, y_train = _xy(train, tuple(features))
    x_test, y_test = _xy(test, tuple(features))
    fitted = _fit_kinds(x_train, y_train, random_state, kind, fits)
    proba = _kind_probabilities(fitted, x_test)
    per_kind = {each: score_predictions(y_test, p) for each, p in proba.items()}
    # The chosen kind's model refitted on every training year is the one just fitted (same rows,
    # parameters and seed), recalibrated on out-of-time scores of training years only.
    model = fitted[chosen]
    pooled_years, y_pooled, s_pooled = calibration_scores(
        train, kind=chosen, validation=(y_val, val_proba[chosen]), random_state=random_state,
        features=features, fits=fits)
    fitted_on = {"validation-year": ([validation_year], y_val, val_proba[chosen]),
                 "pooled": (pooled_years, y_pooled, s_pooled)}
    methods = {"none": proba[chosen]}
    for name, (_, y_cal, s_cal) in fitted_on.items():
        methods[f"platt-{name}"] = model.recalibrate(s_cal, y_cal).recalibrate_scores(
            proba[chosen])
        methods[f"isotonic-{name}"] = _isotonic(s_cal, y_cal, proba[chosen])
    calibration_years, y_cal, s_cal = fitted_on[calibration]
    model.recalibrate(s_cal, y_cal)
    calibrated = model.recalibrate_scores(proba[chosen])
    report(progress, "fitting the baseline", 0.9)
    base_x_train, _ = _xy(train, tuple(baseline_features))
    base_x_test, _ = _xy(test, tuple(baseline_features))
    baseline = fit(fits, "logistic", base_x_train, y_train, random_state=random_state)
    baseline_metrics = score_predictions(y_test, baseline.predict_proba(base_x_test)[:, 1])
    base_rate = float(y_test.mean())
    chosen_metrics = score_predictions(y_test, calibrated)
    calib = calibration_report(y_test, proba[chosen], calibrated)
    compared = {name: _method_report(y_test, p) for name, p in methods.items()}
    floor = calibration_noise_floor(calibrated, random_state=random_state)
    report(progress, f"tested on {test_years[0]}-{test_years[1]}", 1.0)
    return {
        "label": str(cohort.attrs.get("label", "")),
        "train_years": [train_from, train_until],
        "test_years": list(test_years),
        "n_train": len(train),
        "n_test": len(test),
        "n_censored_dropped": int(cohort.attrs.get("n_censored", 0)),
        "base_rate": round(base_rate, 4),
        "train_base_rate": round(float(y_train.mean()), 4),
        "kind": chosen,
        "auc": chosen_metrics["auc"],
        "brier": chosen_metrics["brier"],
        "precision_at_100": chosen_metrics["precision_at_100"],
        "ece": calib["ece_after"],
        "ece_before_recalibration": calib["ece_before"],
        "baseline_auc": baseline_metrics["auc"],
        "baseline_brier": baseline_metrics["brier"],
        "baseline_precision_at_100": baseline_metrics["precision_at_100"],
        "baseline_features": list(baseline_features),
        "base_rate_brier": round(base_rate * (1 - base_rate), 4),
        "per_kind": per_kind,
        "validation": validation,
        "recalibration": {k: round(v, 4) for k, v in model.recalibration_.items()},
        "calibration_method": f"platt-{calibration}",
        "calibration_years": calibration_years,
        "calibration": calib,
        "calibration_methods": compared,
        "ece_validation_year_map": compared["platt-validation-year"]["ece"],
        "ece_noise_floor": floor["mean"],
        "ece_noise_floor_p10_p90": [floor["p10"], floor["p90"]],
        "reliability": calib["reliability_after"],
        "data_fingerprint": str(cohort.attrs.get("fingerprint", "")),
    }


def backtest(data: CrunchbaseData, *, train_until: int, test_years: tuple[int, int],
             label: str = "series-b-3y", kind: str = "auto", train_from: int = 2005,
             calibration: str = "pooled", random_state: int = 0,
             progress: Progress | None = None, fits: Fits | None = None) -> dict[str, Any]:
    """Backtest on the Crunchbase export on an honest time split (see module)."""
    check_split(train_from=train_from, train_until=train_until, test_years=test_years,
                label=label, observed_until=data.observed_until)
    cohort = build_cohort(data, first_round_years=(train_from, test_years[1]), label=label)
    return backtest_cohort(cohort, train_from=train_from, train_until=train_until,
                           test_years=test_years, kind=kind, calibration=calibration,
                           random_state=random_state, progress=progress, fits=fits)


_SUMMARISED: Final = ("auc", "brier", "precision_at_100", "ece", "ece_before_recalibration",
                      "ece_validation_year_map", "ece_noise_floor", "baseline_auc",
                      "baseline_brier", "baseline_precision_at_100", "base_rate")


def default_origins(*, train_from: int, label: str, observed_until: pd.Timestamp) -> list[int]:
    """Every train_until with two earlier years (fit, validation) and a closable next year."""
    # The last year whose 1 January window closes by the data end (``check_split``'s rule).
    last_test = observed_until.year - label_horizon_years(label)
    return list(range(train_from + 1, last_test))


def rolling_origin(cohort: pd.DataFrame, *, origins: Sequence[int], train_from: int,
                   kind: str = "auto", random_state: int = 0,
                   features: Sequence[str] = FEATURES,
                   baseline_features: Sequence[str] = BASELINE_FEATURES,
                   progress: Progress | None = None) -> dict[str, Any]:
    """Backtest each origin T (train train_from–T, test T + 1) and summarise every metric."""
    if not origins:
        raise ValueError("the rolling origin needs at least one origin year")
    n = len(origins)
    # Origin T + 1 fits again what origin T fitted on the years up to T (and before).
    fits = Fits()
    splits = [backtest_cohort(cohort, train_from=train_from, train_until=origin,
                              test_years=(origin + 1, origin + 1), kind=kind,
                              random_state=random_state, features=features,
                              baseline_features=baseline_features,
                              progress=within(progress, i / n, (i + 1) / n), fits=fits)
              for i, origin in enumerate(origins)]
    summary = {}
    for key in _SUMMARISED:
        values = np.array([split[key] for split in splits], dtype=float)
        summary[key] = {"mean": round(float(values.mean()), 4),
                        "std": round(float(values.std(ddof=1)) if len(values) > 1 else 0.0, 4),
                        "min": round(float(values.min()), 4),
                        "max": round(float(values.max()), 4)}
    return {
        "label": str(cohort.attrs.get("label", "")),
        "origins": list(origins),
        "summary": summary,
        "splits": [{key: split[key] for key in ("train_years", "test_years", "n_train",
                                                 "n_test", "kind", *_SUMMARISED)}
                   for split in splits],
        "data_fingerprint": str(cohort.attrs.get("fingerprint", "")),
    }


def rolling_backtest(data: CrunchbaseData, *, label: str = "series-b-3y", kind: str = "auto",
                     train_from: int = 2005, origins: Sequence[int] | None = None,
                     random_state: int = 0, progress: Progress | None = None) -> dict[str, Any]:
    """Run ``rolling_origin`` on the Crunchbase export (default origins: ``default_origins``)."""
    chosen = list(origins) if origins is not None else default_origins(
        train_from=train_from, label=label, observed_until=data.observed_until)
    for origin in chosen:
        check_split(train_from=train_from, train_until=origin, test_years=(origin + 1, origin + 1),
                    label=label, observed_until=data.observed_until)
    cohort = build_cohort(data, first_round_years=(train_from, max(chosen) + 1), label=label)
    return rolling_origin(cohort, origins=chosen, train_from=train_from, kind=kind,
                          random_state=random_state, progress=progress)
