"""Per-reviewer calibration of ratings, shrunk towards the panel by how much each reviewer rated.

For one criterion with ``N`` ratings by ``R`` reviewers, reviewer ``r`` giving ``n_r`` ratings
with mean ``m_r`` and sum of squared deviations ``SS_r = Σ (x - m_r)²``, panel mean ``m``:

    σ²  = Σ_r SS_r / (N - R)                                  pooled within-reviewer variance
    τ²  = max(0, (Σ_r n_r (m_r - m)² - (R - 1) σ²) / (N - Σ_r n_r² / N))
                                                              variance of reviewer offsets
    κ   = max(κ₀, σ² / τ²)                                    the panel's weight, in ratings
    δ_r = n_r / (n_r + κ) · (m_r - m)                         shrunk offset
    s_r² = (SS_r + κ₀ σ²) / (n_r - 1 + κ₀)                    shrunk variance
    x'  = clip(m + (x - m - δ_r) · σ / s_r, low, high)

``τ²`` is the one-way random-effects (method-of-moments) estimate and ``δ_r`` its empirical-Bayes
posterior mean; ``s_r²`` is the posterior of the reviewer's variance under a prior worth ``κ₀``
degrees of freedom at ``σ²``. The floor ``κ₀`` (``prior_ratings``, default 10) keeps a reviewer
with one or two ratings near their raw values (moved by at most 1/11 and 2/12 of their offset),
whatever the data; ``[low, high]`` is the criterion's range. When every reviewer gave a single
rating (``N = R``) nothing separates a reviewer's habit from the firms' merit, and ratings stay
raw; with one reviewer ``τ² = 0``; a scale factor with ``σ = 0`` is 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.errors import ScoringInputError

__all__ = ["PRIOR_RATINGS", "calibrate"]

PRIOR_RATINGS = 10.0


def _calibrate_criterion(score: npt.NDArray[np.float64], reviewer: npt.NDArray[np.int64],
                         prior: float) -> npt.NDArray[np.float64]:
    """Calibrated scores of one criterion (before clipping), by the formula above."""
    n_total = score.size
    count = np.bincount(reviewer).astype(np.float64)
    n_reviewers = int((count > 0).sum())
    if n_total <= n_reviewers:
        return score.copy()
    own_mean = np.bincount(reviewer, weights=score) / np.maximum(count, 1)
    sum_squares = np.bincount(reviewer, weights=(score - own_mean[reviewer]) ** 2)
    panel_mean = float(score.mean())
    within = float(sum_squares.sum()) / (n_total - n_reviewers)
    between = float((count * (own_mean - panel_mean) ** 2).sum())
    spread = 0.0 if n_reviewers < 2 else max(
        0.0, (between - (n_reviewers - 1) * within)
        / (n_total - float((count ** 2).sum()) / n_total))
    offset = np.zeros_like(count)
    if spread > 0:
        weight = max(prior, within / spread)
        offset = count / (count + weight) * (own_mean - panel_mean)
    shrunk_var = (sum_squares + prior * within) / (count - 1 + prior)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(shrunk_var > 0, np.sqrt(within / shrunk_var), 1.0)
    return panel_mean + (score - panel_mean - offset[reviewer]) * factor[reviewer]


def calibrate(ratings: pd.DataFrame, ranges: Mapping[str, tuple[float, float]], *,
              prior_ratings: float = PRIOR_RATINGS) -> pd.Series:
    """Calibrated scores aligned to ``ratings`` (columns ``criterion``, ``reviewer``, ``score``)."""
    if prior_ratings <= 0:
        raise ScoringInputError(f"prior_ratings: must be positive, got {prior_ratings}")
    unknown = sorted(set(ratings["criterion"]) - set(ranges))
    if unknown:
        raise ScoringInputError(f"ranges: no range for criteria {unknown}")
    score = ratings["score"].to_numpy(dtype=np.float64)
    out = np.empty(score.size)
    for criterion, rows in ratings.groupby("criterion", sort=True).indices.items():
        codes, _ = pd.factorize(ratings["reviewer"].to_numpy()[rows])
        low, high = ranges[str(criterion)]
        out[rows] = np.clip(_calibrate_criterion(score[rows], codes.astype(np.int64),
                                                 prior_ratings), low, high)
    return pd.Series(out, index=ratings.index, dtype="float64", name="calibrated")
