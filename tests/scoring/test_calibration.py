"""Calibration shrunk towards the panel: the issue's severe/lenient case, few ratings barely
move, many ratings are corrected, the range always holds, and the formula by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.calibration import PRIOR_RATINGS, calibrate
from scoring.errors import ScoringInputError

RANGE = {"c": (0.0, 10.0)}


def _frame(by_reviewer: dict[str, list[float]], criterion: str = "c") -> pd.DataFrame:
    rows = [(criterion, r, s) for r, scores in by_reviewer.items() for s in scores]
    return pd.DataFrame(rows, columns=["criterion", "reviewer", "score"])


def _value(frame: pd.DataFrame, calibrated: pd.Series, reviewer: str, raw: float) -> float:
    row = frame.index[(frame["reviewer"] == reviewer) & (frame["score"] == raw)][0]
    return float(calibrated[row])


def test_a_severe_reviewers_4_does_not_end_above_a_lenient_reviewers_9() -> None:
    # Issue 10: with the per-reviewer z-score this panel turned the severe 4 into 10.0 (the top
    # of the range) and the lenient 9 into 6.07.
    frame = _frame({"severe": [0, 0, 4], "lenient": [7, 9, 10]})
    calibrated = calibrate(frame, RANGE)
    severe_4, lenient_9 = _value(frame, calibrated, "severe", 4), _value(frame, calibrated,
                                                                          "lenient", 9)
    assert severe_4 < lenient_9
    assert 4.0 < severe_4 < 6.0  # moved towards the panel, not to its top
    assert 8.0 < lenient_9 < 9.0


def test_a_reviewer_with_one_or_two_ratings_barely_moves() -> None:
    rng = np.random.default_rng(3)
    panel = {f"r{i}": list(rng.integers(3, 9, 30).astype(float)) for i in range(4)}
    panel_mean = float(np.mean([s for v in panel.values() for s in v]))
    for few in ([1.0], [1.0, 2.0]):
        frame = _frame({**panel, "new": few})
        calibrated = calibrate(frame, RANGE)
        moved = calibrated[frame["reviewer"] == "new"].to_numpy() - np.array(few)
        offset = abs(float(np.mean(few)) - panel_mean)
        # At most n / (n + κ₀) of the offset, plus the small scale factor of a short record.
        assert np.all(np.abs(moved) <= len(few) / (len(few) + PRIOR_RATINGS) * offset + 0.35)


def test_a_reviewer_with_many_ratings_is_corrected_almost_fully() -> None:
    rng = np.random.default_rng(4)
    merit = rng.uniform(3, 8, 200)
    frame = _frame({"fair": list(np.round(merit, 1)),
                    "severe": list(np.round(merit - 2.5, 1))})
    calibrated = calibrate(frame, RANGE)
    means = calibrated.groupby(frame["reviewer"]).mean()
    # The offset of 2.5 is kept only in the share κ₀ / (n + κ₀) = 10 / 210.
    remaining = 2.5 * PRIOR_RATINGS / (200 + PRIOR_RATINGS)
    assert means["fair"] - means["severe"] == pytest.approx(remaining, abs=0.01)
    assert abs(frame["score"].mean() - calibrated.mean()) < 0.05


def test_single_ratings_only_stay_raw() -> None:
    frame = _frame({"a": [2.0], "b": [9.0], "c": [5.0]})
    assert calibrate(frame, RANGE).tolist() == [2.0, 9.0, 5.0]


def test_the_formula_by_hand() -> None:
    frame = _frame({"a": [2.0, 4.0, 3.0], "b": [6.0, 10.0, 8.0]})
    x = {"a": [2.0, 4.0, 3.0], "b": [6.0, 10.0, 8.0]}
    n_total, n_reviewers, m = 6, 2, 33.0 / 6
    own = {r: sum(v) / len(v) for r, v in x.items()}
    ss = {r: sum((s - own[r]) ** 2 for s in v) for r, v in x.items()}
    within = sum(ss.values()) / (n_total - n_reviewers)
    between = sum(len(v) * (own[r] - m) ** 2 for r, v in x.items())
    spread = max(0.0, (between - (n_reviewers - 1) * within) / (n_total - 18 / n_total))
    kappa = max(PRIOR_RATINGS, within / spread)
    expected = []
    for r, v in x.items():
        offset = len(v) / (len(v) + kappa) * (own[r] - m)
        shrunk_var = (ss[r] + PRIOR_RATINGS * within) / (len(v) - 1 + PRIOR_RATINGS)
        scale = math.sqrt(within / shrunk_var)
        expected += [min(10.0, max(0.0, m + (s - m - offset) * scale)) for s in v]
    assert calibrate(frame, RANGE).tolist() == pytest.approx(expected)


def test_criteria_are_calibrated_apart_and_within_their_own_range() -> None:
    frame = pd.concat([_frame({"a": [1, 2, 3], "b": [7, 8, 9]}, "c"),
                       _frame({"a": [1, 1, 5], "b": [5, 5, 5]}, "d")], ignore_index=True)
    calibrated = calibrate(frame, {"c": (0.0, 10.0), "d": (1.0, 5.0)})
    alone = calibrate(frame.iloc[:6], RANGE)
    assert calibrated.iloc[:6].tolist() == alone.tolist()
    assert calibrated.iloc[6:].between(1.0, 5.0).all()
    assert calibrated.name == "calibrated"
    assert list(calibrated.index) == list(frame.index)


def test_bad_input_is_named() -> None:
    frame = _frame({"a": [1, 2]})
    with pytest.raises(ScoringInputError, match="ranges: no range"):
        calibrate(frame, {"other": (0.0, 10.0)})
    with pytest.raises(ScoringInputError, match="prior_ratings"):
        calibrate(frame, RANGE, prior_ratings=0)
    assert calibrate(frame.iloc[:0], RANGE).empty


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                       st.lists(st.integers(0, 10), min_size=1, max_size=12), min_size=1))
def test_calibrated_values_stay_in_range_and_keep_each_reviewers_order(
    by_reviewer: dict[str, list[int]],
) -> None:
    frame = _frame({r: [float(s) for s in v] for r, v in by_reviewer.items()})
    calibrated = calibrate(frame, RANGE)
    assert calibrated.between(0.0, 10.0).all()
    for _reviewer, rows in frame.groupby("reviewer").groups.items():
        pairs = sorted(zip(frame.loc[rows, "score"], calibrated[rows], strict=True))
        assert all(a[1] <= b[1] + 1e-9 for a, b in itertools.pairwise(pairs))
