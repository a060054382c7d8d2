"""Reviewer ratings: one aggregate per firm, and a reviewer who rates a firm twice is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import ScoringInputError
from scoring.ratings import aggregate_ratings, firm_positions, keyed_ratings
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


@pytest.mark.parametrize("keyed", [False, True])
def test_a_rating_without_its_reviewer_is_refused_as_bad_input(keyed: bool) -> None:
    firms = pd.Index(["A", "B"])
    frame = pd.DataFrame(
        [("A", "c", "r1", 5.0), ("B", "c", None, 6.0)],
        columns=["uscc", "criterion", "reviewer", "score"],
    )
    if keyed:
        frame = keyed_ratings(frame, firms)
    with pytest.raises(ScoringInputError, match="must name its reviewer"):
        aggregate_ratings(frame, "c", RATING, firms)


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


def _random_ratings(seed: int, step: float) -> tuple[pd.DataFrame, pd.Index]:
    """Ratings of two criteria with unknown firms, missing keys and unrated firms."""
    rng = np.random.default_rng(seed)
    firms = pd.Index([f"F{i}" for i in range(300)])
    usccs = [*firms, "unknown-1", "unknown-2", None]
    rows = [(u, c, f"r{r}", float(rng.integers(0, 11)) * step)
            for u in usccs[40:] for c in ("c", "other") for r in range(int(rng.integers(0, 6)))]
    frame = ratings([rows[i] for i in rng.permutation(len(rows))])
    return frame, firms


@pytest.mark.parametrize("aggregate", ["mean", "median", "trimmed-mean"])
@pytest.mark.parametrize("step", [1.0, 0.1])
def test_keyed_ratings_aggregate_exactly_as_their_strings(aggregate: str, step: float) -> None:
    frame, firms = _random_ratings(5, step)
    rating = Rating.model_validate({"range": (0, 10), "aggregate": aggregate, "trim": 0.2})
    expected = aggregate_ratings(frame, "c", rating, firms)
    reordered = frame.assign(**{  # categories in another order, with firms nobody rated
        column: pd.Categorical(frame[column], categories=sorted(
            {*frame[column].dropna(), "never-rated"}, reverse=True))
        for column in ("uscc", "criterion", "reviewer")})
    known = frame.loc[frame["uscc"].isin(firms)]  # categories that are the firms: codes as is
    with_nan = firms.append(pd.Index([np.nan]))  # pandas keys a missing uscc to it
    for given, keyed, index in ((frame, keyed_ratings(frame, firms), firms),
                                (frame, keyed_ratings(frame, firms[::-1]), firms),
                                (frame, reordered, firms),
                                (known, keyed_ratings(known, firms), firms),
                                (frame, reordered, with_nan)):
        want = aggregate_ratings(given, "c", rating, index)
        got = aggregate_ratings(keyed, "c", rating, index)
        np.testing.assert_array_equal(got.value, want.value)
        np.testing.assert_array_equal(got.count, want.count)
        np.testing.assert_array_equal(got.spread, want.spread)
        assert np.isnan(aggregate_ratings(keyed, "absent", rating, index).value).all()
    assert keyed_ratings(known, firms)["uscc"].cat.categories.equals(firms)
    assert expected.count.sum() > 0


def test_keyed_ratings_keep_every_value_and_key_by_the_firms_first() -> None:
    frame, firms = _random_ratings(6, 1.0)
    keyed = keyed_ratings(frame, firms)
    assert all(isinstance(keyed[c].dtype, pd.CategoricalDtype)
               for c in ("uscc", "criterion", "reviewer"))
    assert keyed["uscc"].cat.categories[:len(firms)].equals(firms)
    assert keyed["uscc"].isna().tolist() == frame["uscc"].isna().tolist()
    assert keyed.to_csv() == frame.to_csv()
    with pytest.raises(ScoringInputError, match="unique"):
        keyed_ratings(frame, firms.append(firms[:1]))
    with pytest.raises(ScoringInputError, match="lacks columns"):
        keyed_ratings(frame.drop(columns="reviewer"), firms)


def test_keyed_ratings_refuse_what_their_strings_refuse() -> None:
    firms = pd.Index(["A", "B"])
    twice = ratings([("A", "c", "r1", 5.0), ("B", "c", "r1", 5.0), ("A", "c", "r1", 6.0)])
    out_of_range = ratings([("A", "c", "r1", 11.0)])
    for frame, message in ((twice, "rated a firm twice"), (out_of_range, "must lie in")):
        for given in (frame, keyed_ratings(frame, firms)):
            with pytest.raises(ScoringInputError, match=message):
                aggregate_ratings(given, "c", RATING, firms)

