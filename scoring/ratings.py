"""Aggregate reviewer ratings of a qualitative criterion, one value per firm.

- ``mean`` and ``median`` as usual;
- ``trimmed-mean``: drop ``floor(trim * n)`` lowest and as many highest of a firm's ``n``
  ratings, then take the mean;
- ``spread`` = highest - lowest rating, compared with the scheme's disagreement threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.errors import ScoringInputError
from scoring.scheme import Rating

__all__ = ["RATING_COLUMNS", "AggregatedRatings", "aggregate_ratings"]

RATING_COLUMNS = ("uscc", "criterion", "reviewer", "score")


@dataclass(frozen=True, eq=False)
class AggregatedRatings:
    """Per firm (aligned to the indicator index): aggregate, number of ratings and spread."""

    value: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    spread: npt.NDArray[np.float64]


def aggregate_ratings(ratings: pd.DataFrame | None, criterion: str, rating: Rating,
                      firms: pd.Index) -> AggregatedRatings:
    """Aggregate the ratings of ``criterion``; firms with too few ratings get NaN."""
    n = len(firms)
    if ratings is None or ratings.empty:
        return AggregatedRatings(np.full(n, np.nan), np.zeros(n, np.int64), np.full(n, np.nan))
    missing_cols = [c for c in RATING_COLUMNS if c not in ratings.columns]
    if missing_cols:
        raise ScoringInputError(f"ratings frame lacks columns {missing_cols}")
    sub = ratings.loc[ratings["criterion"] == criterion, ["uscc", "reviewer", "score"]]
    if sub.duplicated(["uscc", "reviewer"]).any():
        raise ScoringInputError(f"ratings of {criterion!r}: a reviewer rated a firm twice")
    scores = pd.to_numeric(sub["score"], errors="coerce")
    low, high = rating.range
    bad = scores.isna() | (scores < low) | (scores > high)
    if bad.any():
        raise ScoringInputError(f"ratings of {criterion!r}: scores must lie in [{low}, {high}]")
    sub = sub.assign(score=scores.astype(np.float64)).sort_values(["uscc", "score"],
                                                                   kind="stable")
    grouped = sub.groupby("uscc", sort=True)["score"]
    count = grouped.size()
    spread = grouped.max() - grouped.min()
    if rating.aggregate == "mean":
        value = grouped.mean()
    elif rating.aggregate == "median":
        value = grouped.median()
    else:
        n_per = sub.groupby("uscc")["score"].transform("size").to_numpy()
        position = sub.groupby("uscc").cumcount().to_numpy()
        cut = np.floor(rating.trim * n_per).astype(np.int64)
        keep = (position >= cut) & (position < n_per - cut)
        value = sub.loc[keep].groupby("uscc", sort=True)["score"].mean()
    value = value.where(count >= rating.min_reviewers)
    return AggregatedRatings(
        value.reindex(firms).to_numpy(dtype=np.float64, na_value=np.nan),
        np.asarray(count.reindex(firms).fillna(0).to_numpy(), dtype=np.int64),
        spread.reindex(firms).to_numpy(dtype=np.float64, na_value=np.nan),
    )
