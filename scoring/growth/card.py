"""Training a growth model for the registry: the fitted estimator plus its model card.

The card is a plain JSON-ready dict: source, label and its definition, features, kind and why,
parameters, data fingerprint (sha256 of the input files when known, and of the training frame),
metrics supplied by the caller (e.g. a backtest), the training date the caller passes in (the
library reads no clock), and the library versions the artefact depends on. A Crunchbase card
also carries ``backtest`` (the time split, the model against the amount-only baseline and the
base-rate predictor), ``calibration`` (the Platt map fitted on pooled out-of-time scores of the
training years, with ECE and reliability tables before and after on the validation year and on
the backtest's test years) and ``data_range``. Every card carries ``reference``: the training
rows' per-feature distributions (``drift.reference``) that a pool of firms is compared with
before it is scored.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import joblib
import numpy as np
import pandas as pd
import sklearn

from scoring.growth import drift
from scoring.growth.backtest import (
    BASELINE_FEATURES,
    best_kind,
    calibration_report,
    calibration_scores,
    validation_scores,
)
from scoring.growth.crunchbase import FEATURES, CrunchbaseData, build_cohort
from scoring.growth.fits import Fits, fit
from scoring.growth.model import KINDS, GrowthClassifier
from scoring.growth.progress import Progress, report

__all__ = [
    "CARD_SCHEMA",
    "LABEL_DEFINITIONS",
    "TrainedModel",
    "fingerprint_frame",
    "library_versions",
    "train_model",
    "train_on_crunchbase",
    "train_time_split",
]

CARD_SCHEMA: Final = 1
LABEL_DEFINITIONS: Final = {
    "series-b-3y": "a series-b, series-c+, private-equity or post-ipo round within 3 years "
                   "after the first (angel or series-a) round",
    "exit-5y": "acquired, or public, within 5 years after the first (angel or series-a) round",
    "oecd-high-growth-3y": "annualised growth of revenue or of employees of at least 20% over "
                           "the next three fiscal years, (X_{t+3} / X_t)^(1/3) - 1 >= 0.20, for "
                           "firms with at least 10 employees in the as-of year t (OECD); "
                           "unknown when year t+3 is not filed; funding rounds play no part",
}
_ATTRIBUTION: Final = {
    "crunchbase-2013": "Data from CrunchBase (www.crunchbase.com), October 2013 export, CC-BY.",
}


@dataclass(frozen=True)
class TrainedModel:
    """A fitted growth classifier with the model card that describes it."""

    estimator: GrowthClassifier
    card: dict[str, Any]


def library_versions() -> dict[str, str]:
    """Versions of the libraries a stored model depends on, scikit-learn first."""
    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "joblib": joblib.__version__,
            "python": platform.python_version()}


def fingerprint_frame(frame: pd.DataFrame) -> str:
    """Return sha256 over a frame's column names, index and cell values."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    hashed = pd.util.hash_pandas_object(frame.astype(str), index=True)
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()


def train_model(cohort: pd.DataFrame, *, features: Sequence[str], label: str, kind: str,
                trained_on: date, source: str, metrics: Mapping[str, Any] | None = None,
                kind_reason: str = "", random_state: int = 0,
                params: Mapping[str, Any] | None = None, fits: Fits | None = None
                ) -> TrainedModel:
    """Fit a GrowthClassifier on cohort[features] → cohort["label"] and write its model card."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if "label" not in cohort.columns:
        raise ValueError("the training frame needs a 'label' column")
    labelled = cohort[cohort["label"].notna()]
    x = labelled[list(features)]
    y = labelled["label"].to_numpy(dtype=int)
    estimator = fit(fits, kind, x, y, random_state=random_state, params=params)
    card: dict[str, Any] = {
        "schema": CARD_SCHEMA,
        "source": source,
        "synthetic": source != "crunchbase-2013",
        "label": label,
        "label_definition": LABEL_DEFINITIONS.get(label, label),
        "features": list(features),
        "categorical_features": list(estimator.categorical_features_),
        "kind": kind,
        "kind_reason": kind_reason,
        "params": {k: v for k, v in estimator.get_params().items()},
        "calibration": "sigmoid (Platt) on 5-fold out-of-fold scores, one refitted model",
        "explanation": "signed log-odds contributions; see scoring.growth.model",
        "n_train": len(labelled),
        "train_base_rate": round(float(y.mean()), 4),
        "data_fingerprint": {
            "files": str(cohort.attrs.get("fingerprint", "")),
            "frame": fingerprint_frame(labelled[[*features, "label"]]),
        },
        "metrics": dict(metrics or {}),
        "trained_on": trained_on.isoformat(),
        "library_versions": library_versions(),
        # The training rows' distributions, for the drift watch (scoring.growth.drift).
        "reference": drift.reference(labelled, list(features)),
    }
    if source in _ATTRIBUTION:
        card["attribution"] = _ATTRIBUTION[source]
    return TrainedModel(estimator=estimator, card=card)


def _backtest_summary(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The time-split backtest of a card: the model against its baselines, and its split."""
    model = {key: metrics[key] for key in ("auc", "brier", "precision_at_100", "ece")
             if key in metrics}
    return {
        "train_years": metrics.get("train_years"),
        "validation_year": metrics.get("validation", {}).get("year"),
        "test_years": metrics.get("test_years"),
        "n_train": metrics.get("n_train"),
        "n_test": metrics.get("n_test"),
        "kind": metrics.get("kind"),
        "model": model,
        **_baseline_entries(metrics),
        "base_rate_predictor": {"brier": metrics.get("base_rate_brier"),
                                "base_rate": metrics.get("base_rate")},
    }


def _baseline_entries(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline's figures under ``baseline`` (with its features) and, for the Crunchbase
    amount-only baseline, also under its historical key ``amount_only_baseline``."""
    figures = {key: metrics.get(f"baseline_{key}") for key in ("auc", "brier", "precision_at_100")}
    features = list(metrics.get("baseline_features") or BASELINE_FEATURES)
    entries: dict[str, Any] = {"baseline": {"features": features, **figures}}
    if features == list(BASELINE_FEATURES):
        entries["amount_only_baseline"] = figures
    return entries


def train_time_split(cohort: pd.DataFrame, *, features: Sequence[str], label: str,
                     source: str, trained_on: date, kind: str = "auto",
                     metrics: Mapping[str, Any] | None = None, random_state: int = 0,
                     progress: Progress | None = None, fits: Fits | None = None
                     ) -> TrainedModel:
    """Train on every as-of year of a cohort; its last year picks ``auto`` and recalibrates.

    The kinds are fitted on the years before the last and scored on it; the chosen kind is
    refitted on every year and mapped by the Platt map of those last-year scores. The card
    carries ``calibration``, ``backtest`` (from ``metrics``, a time-split backtest) and
    ``data_range``.
    """
    report(progress, "choosing the kind on the last as-of year", 0.0)
    year, y_val, val_proba = validation_scores(cohort, random_state=random_state,
                                               features=features, kind=kind, fits=fits)
    best, aucs = best_kind(y_val, val_proba)
    if kind == "auto":
        kind = best
        reason = (f"best validation ROC AUC on as-of year {year}"
                  f" (trained on the years before): {aucs}")
    else:
        reason = "chosen by the caller"
    report(progress, f"fitting the {kind} model on every year", 0.6)
    trained = train_model(cohort, features=features, label=label, kind=kind,
                          trained_on=trained_on, source=source, metrics=metrics,
                          kind_reason=reason, random_state=random_state, fits=fits)
    pooled_years, y_pooled, s_pooled = calibration_scores(
        cohort, kind=kind, validation=(y_val, val_proba[kind]), random_state=random_state,
        features=features, fits=fits)
    trained.estimator.recalibrate(s_pooled, y_pooled)
    # The map's own years: in-sample for the map, so only the backtest's test years are honest.
    valid = cohort[cohort["as_of"].dt.year == year]
    after = trained.estimator.recalibrate_scores(val_proba[kind])
    card = trained.card
    card["calibration"] = {
        "method": "Platt map p' = sigmoid(slope * logit(p) + intercept) fitted on pooled "
                  "out-of-time scores (each calibration year scored by a model fitted on the "
                  "years before it), applied to the model fitted on all years "
                  "(inner map: 5-fold sigmoid)",
        "validation_year": year,
        "calibration_years": pooled_years,
        "n_validation": len(valid),
        "n_calibration": len(y_pooled),
        "map": {k: round(v, 4) for k, v in trained.estimator.recalibration_.items()},
        "on_validation_year": calibration_report(y_val, val_proba[kind], after),
        "on_backtest_test_years": dict(metrics or {}).get("calibration"),
    }
    if metrics and "auc" in metrics:
        card["backtest"] = _backtest_summary(metrics)
    card["data_range"] = {
        "first_as_of": cohort["as_of"].min().date().isoformat(),
        "last_as_of": cohort["as_of"].max().date().isoformat(),
    }
    report(progress, "trained", 1.0)
    return trained


def train_on_crunchbase(data: CrunchbaseData, *, trained_on: date, label: str = "series-b-3y",
                        first_round_years: tuple[int, int] = (2005, 2010),
                        kind: str = "auto", metrics: Mapping[str, Any] | None = None,
                        random_state: int = 0, progress: Progress | None = None,
                        fits: Fits | None = None) -> TrainedModel:
    """Train on the cohort of those years; the last year recalibrates it (and picks ``auto``)."""
    cohort = build_cohort(data, first_round_years=first_round_years, label=label)
    trained = train_time_split(cohort, features=FEATURES, label=label, source="crunchbase-2013",
                               trained_on=trained_on, kind=kind, metrics=metrics,
                               random_state=random_state, progress=progress, fits=fits)
    card = trained.card
    card["data_range"] |= {"first_round_years": list(first_round_years),
                           "observed_until": data.observed_until.date().isoformat()}
    card["first_round_years"] = list(first_round_years)
    card["n_censored_dropped"] = int(cohort.attrs.get("n_censored", 0))
    return trained
