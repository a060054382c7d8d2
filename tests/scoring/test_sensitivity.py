"""Weight stability and leave-one-out: seeded, reproducible and sensible."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring import leave_one_out, weight_stability
from tests.scoring.builders import indicator_frame, scheme_from

SCHEME = scheme_from([
    {"id": "a", "indicator": "revenue", "method": "min-max", "weight": 50},
    {"id": "b", "indicator": "rd_intensity", "method": "min-max", "weight": 50}])


def frame() -> pd.DataFrame:
    # CLEAR dominates; A and B swap places depending on the relative weight of a and b.
    return indicator_frame([
        {"uscc": "CLEAR", "revenue": 10.0, "rd_intensity": 10.0},
        {"uscc": "A", "revenue": 10.0, "rd_intensity": 4.0},
        {"uscc": "B", "revenue": 4.0, "rd_intensity": 10.0},
        {"uscc": "LOW", "revenue": 0.0, "rd_intensity": 0.0},
    ])


def test_stability_is_seeded_and_sensible() -> None:
    first = weight_stability(SCHEME, frame(), capacity=2, draws=400, seed=1, concentration=20)
    again = weight_stability(SCHEME, frame(), capacity=2, draws=400, seed=1, concentration=20)
    other = weight_stability(SCHEME, frame(), capacity=2, draws=400, seed=2, concentration=20)
    pd.testing.assert_series_equal(first, again)
    assert not first.equals(other)
    assert first["CLEAR"] == 1.0
    assert first["LOW"] == 0.0
    assert 0.3 < first["A"] < 0.7
    assert first["A"] + first["B"] == 1.0


def test_dominant_firms_do_not_depend_on_concentration() -> None:
    loose = weight_stability(SCHEME, frame(), capacity=2, draws=500, seed=0, concentration=2)
    tight = weight_stability(SCHEME, frame(), capacity=2, draws=500, seed=0, concentration=5000)
    assert (tight[["CLEAR", "LOW"]] == loose[["CLEAR", "LOW"]]).all()
    assert tight.sum() == loose.sum() == 2.0


def test_stability_respects_the_pass_threshold() -> None:
    scheme = scheme_from(SCHEME.model_dump(mode="json")["criteria"], passing={"threshold": 101})
    assert (weight_stability(scheme, frame(), capacity=2, draws=50) == 0).all()


def test_leave_one_out_rank_changes() -> None:
    changes = leave_one_out(SCHEME, frame())
    # base order: CLEAR 1, A 2 (tie 70/70 broken by uscc: "A" < "B"), B 3, LOW 4
    assert list(changes.loc["CLEAR"]) == [0, 0]
    assert changes.loc["A", "a"] == 1  # without revenue, A (4) falls behind B (10)
    assert changes.loc["B", "a"] == -1
    assert changes.loc["A", "b"] == 0
    assert list(changes.loc["LOW"]) == [0, 0]


def test_leave_one_out_marks_ineligible_firms_na() -> None:
    scheme = scheme_from(SCHEME.model_dump(mode="json")["criteria"],
                         gates=[{"id": "g", "indicator": "revenue", "op": ">", "value": 0}])
    changes = leave_one_out(scheme, frame())
    assert changes.loc["LOW"].isna().all()
    assert np.array_equal(changes.loc["CLEAR"].to_numpy(dtype=float), [0.0, 0.0])
