"""Growth-model metrics: ROC AUC, Brier score, precision at k, reliability, calibration error.

Expected calibration error over the reliability table's equal-count bins b of n_b firms each:
ECE = Σ_b (n_b / n) · |mean predicted_b − observed rate_b|.

ECE is not zero for a perfect forecaster: with outcomes y_i ~ Bernoulli(p_i) drawn from the
probabilities themselves, each bin's observed rate still scatters by about
√(p̄_b (1 − p̄_b) / n_b). ``calibration_noise_floor`` estimates that floor by drawing such outcomes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

__all__ = [
    "calibration_noise_floor",
    "expected_calibration_error",
    "precision_at_k",
    "reliability_table",
    "score_predictions",
]


def precision_at_k(y_true: np.ndarray, scores: np.ndarray, k: int = 100) -> float:
    """Share of positives among the ``k`` highest scores (ties keep input order; k ≤ n)."""
    if len(scores) == 0:
        raise ValueError("precision at k needs at least one prediction")
    top = np.argsort(-np.asarray(scores, dtype=float), kind="stable")[: min(k, len(scores))]
    return float(np.mean(np.asarray(y_true)[top]))


def _bins(y_true: np.ndarray, proba: np.ndarray, bins: int) -> pd.DataFrame:
    frame = pd.DataFrame({"y": np.asarray(y_true, dtype=float), "p": np.asarray(proba, float)})
    if len(frame) == 0:
        raise ValueError("a reliability table needs at least one prediction")
    # Ranks, not values, so tied probabilities still split into equal-count bins.
    ranks = frame["p"].rank(method="first")
    frame["bin"] = pd.qcut(ranks, q=min(bins, len(frame)), labels=False)
    return frame.groupby("bin").agg(n=("y", "size"), mean_predicted=("p", "mean"),
                                    observed=("y", "mean"))


def reliability_table(y_true: np.ndarray, proba: np.ndarray, bins: int = 10
                      ) -> list[dict[str, Any]]:
    """Mean predicted probability against observed rate in equal-count bins of the predictions."""
    table = _bins(y_true, proba, bins)
    counts = table["n"].to_numpy(dtype=int)
    predicted = table["mean_predicted"].to_numpy(dtype=float)
    observed = table["observed"].to_numpy(dtype=float)
    return [{"bin": i + 1, "n": int(counts[i]), "mean_predicted": round(float(predicted[i]), 4),
             "observed": round(float(observed[i]), 4)} for i in range(len(table))]


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """ECE over the reliability table's equal-count bins (see module)."""
    table = _bins(y_true, proba, bins)
    gaps = np.abs(table["mean_predicted"].to_numpy() - table["observed"].to_numpy())
    return round(float(np.sum(table["n"].to_numpy() * gaps) / table["n"].sum()), 4)


def score_predictions(y_true: np.ndarray, proba: np.ndarray, k: int = 100) -> dict[str, float]:
    """ROC AUC, Brier score and precision at k of positive-class probabilities."""
    y = np.asarray(y_true)
    if len(np.unique(y)) < 2:
        raise ValueError("ROC AUC needs both outcomes among the evaluated firms")
    return {
        "auc": round(float(roc_auc_score(y, proba)), 4),
        "brier": round(float(brier_score_loss(y, proba)), 4),
        f"precision_at_{k}": round(precision_at_k(y, proba, k), 4),
    }


def calibration_noise_floor(proba: np.ndarray, *, draws: int = 200, bins: int = 10,
                            random_state: int = 0) -> dict[str, float]:
    """Mean and 10th/90th percentiles of the ECE of outcomes drawn from ``proba`` itself."""
    p = np.asarray(proba, dtype=float)
    # The bins depend on the probabilities only, so every draw shares them.
    table = _bins(np.zeros(len(p)), p, bins)
    members = pd.qcut(pd.Series(p).rank(method="first"), q=min(bins, len(p)),
                      labels=False).to_numpy(dtype=int)
    counts = table["n"].to_numpy(dtype=float)
    predicted = table["mean_predicted"].to_numpy(dtype=float)
    rng = np.random.default_rng(random_state)
    outcomes = rng.random((draws, len(p))) < p
    observed = np.stack([np.bincount(members, weights=row, minlength=len(counts))
                         for row in outcomes.astype(float)]) / counts
    values = np.abs(observed - predicted).dot(counts) / counts.sum()
    return {"mean": round(float(values.mean()), 4),
            "p10": round(float(np.quantile(values, 0.1)), 4),
            "p90": round(float(np.quantile(values, 0.9)), 4)}
