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
    empty = AggregatedRatings(np.full(n, np.nan), np.zeros(n, np.int64), np.full(n, np.nan))
    if ratings is None or ratings.empty:
        return empty
    missing_cols = [c for c in RATING_COLUMNS if c not in ratings.columns]
    if missing_cols:
        raise ScoringInputError(f"ratings frame lacks columns {missing_cols}")
    # Element-wise equality on the object array: several times faster than on a str Series;
    # the columns are then taken as numpy arrays, without copying the frame.
    rows = np.flatnonzero(ratings["criterion"].to_numpy(dtype=object) == criterion)
    scores = pd.to_numeric(ratings["score"].iloc[rows], errors="coerce").to_numpy(
        dtype=np.float64)
    low, high = rating.range
    with np.errstate(invalid="ignore"):
        bad = np.isnan(scores) | (scores < low) | (scores > high)
    if bad.any():
        raise ScoringInputError(f"ratings of {criterion!r}: scores must lie in [{low}, {high}]")
    # Integer firm codes (hash lookups) make every later step a numpy operation.
    uscc = pd.Index(ratings["uscc"].to_numpy(dtype=object)[rows], dtype=object)
    firm = firms.get_indexer(uscc)
    known = firm >= 0
    firm, scores = firm[known], scores[known]
    reviewer, _ = pd.factorize(ratings["reviewer"].to_numpy(dtype=object)[rows][known])
    if _has_duplicate_pairs(firm, reviewer, n):
        raise ScoringInputError(f"ratings of {criterion!r}: a reviewer rated a firm twice")
    if firm.size == 0:
        return empty
    order = np.lexsort((scores, firm))
    firm, scores = firm[order], scores[order]
    count = np.bincount(firm, minlength=n)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    rated = count > 0
    first, last = start[rated], start[rated] + count[rated] - 1
    spread = np.full(n, np.nan)
    spread[rated] = scores[last] - scores[first]
    value = np.full(n, np.nan)
    if rating.aggregate == "mean":
        value[rated] = np.bincount(firm, weights=scores, minlength=n)[rated] / count[rated]
    elif rating.aggregate == "median":
        value[rated] = 0.5 * (scores[first + (count[rated] - 1) // 2]
                              + scores[first + count[rated] // 2])
    else:
        position = np.arange(firm.size) - start[firm]
        cut = np.floor(rating.trim * count[firm]).astype(np.int64)
        keep = (position >= cut) & (position < count[firm] - cut)
        kept = np.bincount(firm[keep], minlength=n)
        total = np.bincount(firm[keep], weights=scores[keep], minlength=n)
        value[rated] = total[rated] / kept[rated]
    value[count < rating.min_reviewers] = np.nan
    return AggregatedRatings(value, count.astype(np.int64), spread)


def _has_duplicate_pairs(firm: npt.NDArray[np.intp], reviewer: npt.NDArray[np.intp],
                         n: int) -> bool:
    """Whether some (firm, reviewer) pair occurs twice: a count per pair when the pairs are
    few enough to count (the usual few reviewers per firm), a hash of the keys otherwise."""
    reviewers = int(reviewer.max(initial=0)) + 1
    key = firm.astype(np.int64) * reviewers + reviewer
    if n * reviewers <= max(8 * key.size, 1 << 20):
        return bool(key.size) and int(np.bincount(key, minlength=0).max()) > 1
    return bool(pd.Index(key).has_duplicates)
