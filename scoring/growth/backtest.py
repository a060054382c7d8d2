"""A time-split backtest of the growth model on the Crunchbase first-round cohort.

Honest splits only: training firms' first rounds fall in ``train_from``–``train_until``, test
firms' in a later, disjoint range of years, and every test year must have outcome windows that
can close before the data end (firms whose own window is still open are dropped, and counted).
``kind="auto"`` picks the model kind by ROC AUC on a validation year carved from the training
years (the latest one, trained on the years before it); the test set plays no part in it.
The baseline is a calibrated logistic model on the first round's amount alone
(``log_amount``, ``amount_missing``); the base-rate predictor forecasts the test base rate for
every firm, so ``base_rate_brier`` = b(1 − b).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from scoring.growth.crunchbase import (
    FEATURES,
    CrunchbaseData,
    build_cohort,
    label_horizon_years,
)
from scoring.growth.metrics import reliability_table, score_predictions
from scoring.growth.model import KINDS, GrowthClassifier

__all__ = ["BASELINE_FEATURES", "backtest", "backtest_cohort", "check_split", "select_kind"]

BASELINE_FEATURES: Final = ("log_amount", "amount_missing")
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


def _kind_probabilities(x_fit: pd.DataFrame, y_fit: np.ndarray, x_eval: pd.DataFrame,
                        random_state: int) -> dict[str, np.ndarray]:
    """Positive-class probabilities of every kind; the blend reuses its two members' fits."""
    proba = {kind: GrowthClassifier(kind, random_state=random_state).fit(x_fit, y_fit)
             .predict_proba(x_eval)[:, 1] for kind in ("logistic", "gbm")}
    # Same seed and folds, so these are exactly GrowthClassifier("blend")'s members.
    proba["blend"] = (proba["logistic"] + proba["gbm"]) / 2
    return proba


def select_kind(train: pd.DataFrame, *, random_state: int = 0) -> tuple[str, dict[str, float]]:
    """Pick the kind with the best validation ROC AUC on the latest training year (earlier fit)."""
    years = train["as_of"].dt.year
    last = int(years.max())
    fit_part, valid_part = train[years < last], train[years == last]
    _usable(fit_part, f"the fitting years before validation year {last}")
    _usable(valid_part, f"validation year {last}")
    x_fit, y_fit = _xy(fit_part, FEATURES)
    x_val, y_val = _xy(valid_part, FEATURES)
    proba = _kind_probabilities(x_fit, y_fit, x_val, random_state)
    aucs = {kind: score_predictions(y_val, p)["auc"] for kind, p in proba.items()}
    # Ties go to the simpler model, in KINDS order.
    best = max(KINDS, key=lambda k: (aucs[k], -KINDS.index(k)))
    return best, aucs


def backtest_cohort(cohort: pd.DataFrame, *, train_from: int, train_until: int,
                    test_years: tuple[int, int], kind: str = "auto",
                    random_state: int = 0) -> dict[str, Any]:
    """Train on first-round years train_from–train_until of a built cohort, test on test_years."""
    years = cohort["as_of"].dt.year
    train = cohort[(years >= train_from) & (years <= train_until)]
    test = cohort[(years >= test_years[0]) & (years <= test_years[1])]
    _usable(train, f"training years {train_from}-{train_until}")
    _usable(test, f"test years {test_years[0]}-{test_years[1]}")
    validation: dict[str, Any] = {}
    if kind == "auto":
        chosen, aucs = select_kind(train, random_state=random_state)
        validation = {"year": int(train["as_of"].dt.year.max()), "auc": aucs}
    elif kind in KINDS:
        chosen = kind
    else:
        raise ValueError(f"kind must be 'auto' or one of {KINDS}, got {kind!r}")
    x_train, y_train = _xy(train, FEATURES)
    x_test, y_test = _xy(test, FEATURES)
    proba = _kind_probabilities(x_train, y_train, x_test, random_state)
    per_kind = {each: score_predictions(y_test, p) for each, p in proba.items()}
    base_x_train, _ = _xy(train, BASELINE_FEATURES)
    base_x_test, _ = _xy(test, BASELINE_FEATURES)
    baseline = GrowthClassifier("logistic", random_state=random_state).fit(base_x_train, y_train)
    baseline_metrics = score_predictions(y_test, baseline.predict_proba(base_x_test)[:, 1])
    base_rate = float(y_test.mean())
    chosen_metrics = per_kind[chosen]
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
        "baseline_auc": baseline_metrics["auc"],
        "baseline_brier": baseline_metrics["brier"],
        "baseline_precision_at_100": baseline_metrics["precision_at_100"],
        "base_rate_brier": round(base_rate * (1 - base_rate), 4),
        "per_kind": per_kind,
        "validation": validation,
        "reliability": reliability_table(y_test, proba[chosen]),
        "data_fingerprint": str(cohort.attrs.get("fingerprint", "")),
    }


def backtest(data: CrunchbaseData, *, train_until: int, test_years: tuple[int, int],
             label: str = "series-b-3y", kind: str = "auto", train_from: int = 2005,
             random_state: int = 0) -> dict[str, Any]:
    """Backtest on the Crunchbase export on an honest time split (see module)."""
    check_split(train_from=train_from, train_until=train_until, test_years=test_years,
                label=label, observed_until=data.observed_until)
    cohort = build_cohort(data, first_round_years=(train_from, test_years[1]), label=label)
    return backtest_cohort(cohort, train_from=train_from, train_until=train_until,
                           test_years=test_years, kind=kind, random_state=random_state)
