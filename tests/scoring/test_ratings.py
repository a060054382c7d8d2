"""Reviewer ratings: one aggregate per firm, and a reviewer who rates a firm twice is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import ScoringInputError
from scoring.ratings import aggregate_ratings, firm_positions
from scoring.scheme import Rating

RATING = Rating(range=(0, 10), aggregate="mean")


def ratings(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["uscc", "criterion", "reviewer", "score"])


def test_mean_spread_and_count_per_firm_ignoring_other_criteria_and_unknown_firms() -> None:
    frame = ratings([("A", "c", "r1", 4), ("A", "c", "r2", 8), ("B", "c", "r1", 5),
                     ("A", "other", "r1", 0), ("Z", "c", "r1", 1)])
    agg = aggregate_ratings(frame, "c", RATING, pd.Index(["A", "B", "C"]))
    assert agg.value[:2].tolist() == [6.0, 5.0]
    assert np.isnan(agg.value[2])
    assert agg.count.tolist() == [2, 1, 0]
    assert agg.spread[:2].tolist() == [4.0, 0.0]


@pytest.mark.parametrize("reviewers", [2, 5_000])  # counted per pair, or hashed when many
def test_a_reviewer_rating_a_firm_twice_is_refused(reviewers: int) -> None:
    firms = pd.Index(["A", *(f"F{i}" for i in range(300))])
    rows = [("A", "c", f"r{i}", 5.0) for i in range(reviewers)] + [("A", "c", "r1", 6.0)]
    with pytest.raises(ScoringInputError, match="rated a firm twice"):
        aggregate_ratings(ratings(rows), "c", RATING, firms)
    assert aggregate_ratings(ratings(rows[:-1]), "c", RATING, firms).count[0] == reviewers


def _reference(rows: list[tuple[str, str, str, float]], firms: list[str],
               rating: Rating) -> tuple[list[float], list[int], list[float]]:
    """Each firm's aggregate, count and spread, one firm at a time."""
    values, counts, spreads = [], [], []
    for firm in firms:
        marks = sorted(score for uscc, _, _, score in rows if uscc == firm)
        counts.append(len(marks))
        spreads.append(marks[-1] - marks[0] if marks else np.nan)
        if len(marks) < rating.min_reviewers or not marks:
            values.append(np.nan)
        elif rating.aggregate == "mean":
            values.append(sum(marks) / len(marks))
        elif rating.aggregate == "median":
            values.append(0.5 * (marks[(len(marks) - 1) // 2] + marks[len(marks) // 2]))
        else:
            cut = int(np.floor(rating.trim * len(marks)))
            kept = marks[cut:len(marks) - cut]
            values.append(sum(kept) / len(kept))
    return values, counts, spreads


@pytest.mark.parametrize("aggregate", ["mean", "median", "trimmed-mean"])
@pytest.mark.parametrize("step", [1.0, 0.5, 0.1])  # whole marks, then marks lexsort sorts
def test_aggregates_match_a_firm_by_firm_reference(aggregate: str, step: float) -> None:
    rng = np.random.default_rng(11)
    firms = [f"F{i}" for i in range(400)]
    rows = [(f, "c", f"r{r}", float(rng.integers(0, 11)) * step)
            for f in firms for r in range(int(rng.integers(0, 7)))]
    rows = [rows[i] for i in rng.permutation(len(rows))]
    rating = Rating.model_validate({"range": (0, 10), "aggregate": aggregate, "trim": 0.2})
    agg = aggregate_ratings(ratings(rows), "c", rating, pd.Index(firms))
    values, counts, spreads = _reference(rows, firms, rating)
    np.testing.assert_array_equal(agg.value, np.array(values))
    assert agg.count.tolist() == counts
    np.testing.assert_array_equal(agg.spread, np.array(spreads))


def test_firm_positions_are_get_indexer_for_any_keys() -> None:
    firms = pd.Index(["A", "B", "CC", "D"])
    keys = np.array(["".join(["C", "C"]), "Z", "A", "D", "A", None, 3], dtype=object)
    expected = firms.get_indexer(pd.Index(keys, dtype=object))
    np.testing.assert_array_equal(firm_positions(keys, firms), expected)
    with_nan = pd.Index(["A", np.nan], dtype=object)
    nan_keys = np.array([np.nan, "A", float("nan")], dtype=object)
    np.testing.assert_array_equal(firm_positions(nan_keys, with_nan),
                                  with_nan.get_indexer(pd.Index(nan_keys, dtype=object)))
    assert firm_positions(keys, pd.Index([], dtype=object)).tolist() == [-1] * keys.size
    missing = pd.Series(["A", None, "D"], dtype="string").to_numpy(dtype=object)  # pd.NA
    assert firm_positions(missing, firms).tolist() == [0, -1, 3]
