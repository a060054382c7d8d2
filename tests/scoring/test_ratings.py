"""Reviewer ratings: one aggregate per firm, and a reviewer who rates a firm twice is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import ScoringInputError
from scoring.ratings import aggregate_ratings
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
