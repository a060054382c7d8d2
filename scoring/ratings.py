"""Aggregate reviewer ratings of a qualitative criterion, one value per firm.

A ratings frame's uscc, criterion and reviewer columns hold strings, or pandas Categoricals of
them (``keyed_ratings``): a categorical column is read through its integer codes, its categories
mapped to firms once, so no row's string is hashed or compared; the results are the same.

- ``mean`` and ``median`` as usual;
- ``trimmed-mean``: drop ``floor(trim * n)`` lowest and as many highest of a firm's ``n``
  ratings, then take the mean;
- ``spread`` = highest - lowest rating, compared with the scheme's disagreement threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.errors import ScoringInputError
from scoring.scheme import Rating
from scoring.sorting import argsort_codes

__all__ = [
    "RATING_COLUMNS",
    "AggregatedRatings",
    "RatingRows",
    "aggregate_ratings",
    "aggregate_rows",
    "firm_positions",
    "keyed_ratings",
    "rating_rows",
]

RATING_COLUMNS = ("uscc", "criterion", "reviewer", "score")
# Sort keys up to 48 bits take three 16-bit radix passes; wider ones are left to np.lexsort.
_RADIX_MAX = 1 << 48


@dataclass(frozen=True, eq=False)
class AggregatedRatings:
    """Per firm (aligned to the indicator index): aggregate, number of ratings and spread."""

    value: npt.NDArray[np.float64]
    count: npt.NDArray[np.int64]
    spread: npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class RatingRows:
    """A ratings frame with each row's firm position among ``n`` firms (-1: not scored)."""

    ratings: pd.DataFrame
    firm: npt.NDArray[np.intp]
    n: int


def rating_rows(ratings: pd.DataFrame | None, firms: pd.Index) -> RatingRows | None:
    """The rows of ``ratings`` keyed by firm position, each key mapped once (None when there
    are no ratings)."""
    if ratings is None or ratings.empty:
        return None
    _require_columns(ratings)
    return RatingRows(ratings, _row_firms(ratings["uscc"], firms), len(firms))


def keyed_ratings(ratings: pd.DataFrame, firms: pd.Index) -> pd.DataFrame:
    """``ratings`` with categorical uscc, criterion and reviewer columns, the uscc categories
    being ``firms`` (unique, none missing) and then any other uscc rated, so that ``score``
    reads codes instead of strings; every value, and so every result, stays as it was."""
    _require_columns(ratings)
    if firms.has_duplicates or firms.hasnans:
        raise ScoringInputError("keyed ratings: the firms must be unique and none missing")
    keys = ratings["uscc"].to_numpy(dtype=object)
    position = firm_positions(keys, firms)
    other = np.flatnonzero((position < 0) & ratings["uscc"].notna().to_numpy())
    categories = firms
    if other.size:
        extra = pd.Index(pd.unique(keys[other]), dtype=object)
        categories = firms.append(extra)
        position[other] = len(firms) + extra.get_indexer(pd.Index(keys[other], dtype=object))
    return ratings.assign(
        uscc=pd.Categorical.from_codes(position, categories),  # code -1: a missing uscc
        criterion=_categorical(ratings["criterion"]),
        reviewer=_categorical(ratings["reviewer"]),
    )


def _categorical(column: pd.Series) -> pd.Categorical:
    """``column`` as a categorical with sorted categories, as ``astype("category")`` makes it;
    factorising its values as objects takes half the time for strings."""
    codes, categories = pd.factorize(column.to_numpy(dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, pd.Index(categories))


def _require_columns(ratings: pd.DataFrame) -> None:
    missing_cols = [c for c in RATING_COLUMNS if c not in ratings.columns]
    if missing_cols:
        raise ScoringInputError(f"ratings frame lacks columns {missing_cols}")


def _row_firms(uscc: pd.Series, firms: pd.Index) -> npt.NDArray[np.intp]:
    """Each row's firm position (``firm_positions``); a categorical column's categories are
    mapped once and its codes index them (unless ``firms`` holds a missing key, which pandas
    matches with a missing uscc: then row by row)."""
    if not isinstance(uscc.dtype, pd.CategoricalDtype) or firms.hasnans:
        return firm_positions(uscc.to_numpy(dtype=object), firms)
    codes = uscc.cat.codes.to_numpy()
    categories = uscc.cat.categories
    if categories.equals(firms):
        return codes.astype(np.intp)  # code -1, a missing uscc, is no firm either way
    # One slot more for code -1: a missing uscc is no firm.
    return np.append(firm_positions(categories.to_numpy(dtype=object), firms), -1)[codes]


def _rows_equal(column: pd.Series, value: str) -> npt.NDArray[np.intp]:
    """Positions of the rows whose ``column`` equals ``value``: by its code, when categorical."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        code = column.cat.categories.get_indexer(pd.Index([value], dtype=object))[0]
        if code < 0:
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(column.cat.codes.to_numpy() == code)
    # Element-wise equality on the object array: several times faster than on a str Series.
    return np.flatnonzero(column.to_numpy(dtype=object) == value)


def _scores(column: pd.Series, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """The rows' scores as floats, NaN where one is no number (``pd.to_numeric``); a column of
    numpy numbers is taken as it is."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iuf":
        return column.to_numpy()[rows].astype(np.float64)
    return pd.to_numeric(column.iloc[rows], errors="coerce").to_numpy(dtype=np.float64)


def _reviewer_codes(column: pd.Series, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """An integer per distinct reviewer of ``rows`` (-1 where missing): a categorical column's
    codes, else the factorised values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()[rows].astype(np.intp)
    reviewer, _ = pd.factorize(column.to_numpy(dtype=object)[rows])
    return reviewer


def firm_positions(keys: npt.NDArray[np.object_], firms: pd.Index) -> npt.NDArray[np.intp]:
    """Each key's position in ``firms`` (unique), -1 where absent, as ``firms.get_indexer``.

    A hash join on Python's own hash of each key (a string caches it), through an integer
    hash table: faster than pandas hashing the strings again. Equal keys hash
    alike, so a key whose hash no firm has is absent; every hash match is then checked by
    equality, and a mismatch (a collision) is looked up by ``get_indexer`` itself.
    """
    firm_keys = firms.to_numpy(dtype=object)
    try:
        firm_hash = pd.Index(np.fromiter(map(hash, firm_keys), np.int64, firm_keys.size))
        key_hash = np.fromiter(map(hash, keys), np.int64, keys.size)
    except TypeError:  # an unhashable key: pandas decides
        firm_hash = None
    # NaN equals NaN for pandas, not for hash().
    if firm_hash is None or firm_hash.has_duplicates or firms.hasnans or firms.empty:
        return firms.get_indexer(pd.Index(keys, dtype=object))
    position: npt.NDArray[np.intp] = firm_hash.get_indexer(pd.Index(key_hash))
    try:
        # (firm_keys[-1] stands in for unmatched keys; the mask drops them.)
        collided = np.flatnonzero((keys != firm_keys[position]) & (position >= 0))
    except TypeError:  # a key whose comparison is no boolean (pd.NA): pandas decides
        return firms.get_indexer(pd.Index(keys, dtype=object))
    if collided.size:
        position[collided] = firms.get_indexer(pd.Index(keys[collided], dtype=object))
    return position


def aggregate_ratings(ratings: pd.DataFrame | None, criterion: str, rating: Rating,
                      firms: pd.Index) -> AggregatedRatings:
    """Aggregate the ratings of ``criterion``; firms with too few ratings get NaN."""
    return aggregate_rows(rating_rows(ratings, firms), criterion, rating, len(firms))


def aggregate_rows(rows: RatingRows | None, criterion: str, rating: Rating,
                   n: int) -> AggregatedRatings:
    """Aggregate the ratings of ``criterion`` over ``n`` firms (``rating_rows``)."""
    empty = AggregatedRatings(np.full(n, np.nan), np.zeros(n, np.int64), np.full(n, np.nan))
    if rows is None:
        return empty
    ratings = rows.ratings
    # The columns are taken as numpy arrays, without copying the frame.
    selected = _rows_equal(ratings["criterion"], criterion)
    scores = _scores(ratings["score"], selected)
    low, high = rating.range
    with np.errstate(invalid="ignore"):
        bad = np.isnan(scores) | (scores < low) | (scores > high)
    if bad.any():
        raise ScoringInputError(f"ratings of {criterion!r}: scores must lie in [{low}, {high}]")
    firm = rows.firm[selected]
    known = firm >= 0
    if not known.all():
        firm, scores, selected = firm[known], scores[known], selected[known]
    reviewer = _reviewer_codes(ratings["reviewer"], selected)
    if reviewer.min(initial=0) < 0:
        raise ScoringInputError(f"ratings of {criterion!r}: every rating must name its reviewer")
    if _has_duplicate_pairs(firm, reviewer, n):
        raise ScoringInputError(f"ratings of {criterion!r}: a reviewer rated a firm twice")
    if firm.size == 0:
        return empty
    count = np.bincount(firm, minlength=n)
    rated = count > 0
    whole = bool(np.all(scores == np.floor(scores)))
    if whole and (rating.aggregate == "mean" or (
            rating.aggregate == "trimmed-mean" and not np.floor(rating.trim * count).any())):
        # Nothing to trim, and sums of whole numbers are exact in any order: no sort needed.
        return _sum_and_spread(firm, scores, count, rating)
    order = _by_firm_then_score(firm, scores, n, low, high, whole=whole)
    firm, scores = firm[order], scores[order]
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
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


def _sum_and_spread(firm: npt.NDArray[np.intp], scores: npt.NDArray[np.float64],
                    count: npt.NDArray[np.intp], rating: Rating) -> AggregatedRatings:
    """The mean and the spread of every firm's ratings, in the rows' own order."""
    n = count.size
    rated = count > 0
    highest = np.full(n, -np.inf)
    lowest = np.full(n, np.inf)
    np.maximum.at(highest, firm, scores)
    np.minimum.at(lowest, firm, scores)
    spread = np.full(n, np.nan)
    spread[rated] = highest[rated] - lowest[rated]
    value = np.full(n, np.nan)
    value[rated] = np.bincount(firm, weights=scores, minlength=n)[rated] / count[rated]
    value[count < rating.min_reviewers] = np.nan
    return AggregatedRatings(value, count.astype(np.int64), spread)


def _by_firm_then_score(firm: npt.NDArray[np.intp], scores: npt.NDArray[np.float64], n: int,
                        low: float, high: float, *, whole: bool) -> npt.NDArray[np.intp]:
    """The order that sorts the rows by firm, then score: a radix sort of one integer key when
    the scores are whole numbers (the usual 0-10 marks), else ``np.lexsort``."""
    steps = math.floor(high - low) + 1 if float(low).is_integer() else 0
    if whole and steps > 0 and n * steps <= _RADIX_MAX:
        key = firm.astype(np.int64) * steps + (scores - low).astype(np.int64)
        return argsort_codes(key, n * steps)
    return np.lexsort((scores, firm))


def _has_duplicate_pairs(firm: npt.NDArray[np.intp], reviewer: npt.NDArray[np.intp],
                         n: int) -> bool:
    """Whether some (firm, reviewer) pair occurs twice: a count per pair when the pairs are
    few enough to count (the usual few reviewers per firm), a hash of the keys otherwise."""
    reviewers = int(reviewer.max(initial=0)) + 1
    key = firm.astype(np.int64) * reviewers + reviewer
    if n * reviewers <= max(8 * key.size, 1 << 20):
        return bool(key.size) and int(np.bincount(key, minlength=0).max()) > 1
    return bool(pd.Index(key).has_duplicates)
