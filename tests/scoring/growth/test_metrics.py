from __future__ import annotations

import numpy as np
import pytest

from scoring.growth.metrics import (
    calibration_noise_floor,
    expected_calibration_error,
    reliability_table,
)


def test_ece_is_the_count_weighted_gap_of_the_reliability_bins() -> None:
    # Two bins of two: predicted 0.1 vs observed 0.5, predicted 0.8 vs observed 1.0.
    y = np.array([0, 1, 1, 1])
    p = np.array([0.1, 0.1, 0.8, 0.8])
    table = reliability_table(y, p, bins=2)
    assert [(b["mean_predicted"], b["observed"]) for b in table] == [(0.1, 0.5), (0.8, 1.0)]
    assert expected_calibration_error(y, p, bins=2) == pytest.approx((0.4 + 0.2) / 2)


def test_ece_of_probabilities_that_match_their_bins_is_zero() -> None:
    y = np.array([0, 0, 0, 1] * 5 + [1, 1, 1, 0] * 5)
    p = np.array([0.25] * 20 + [0.75] * 20)
    assert expected_calibration_error(y, p, bins=2) == 0.0
    assert expected_calibration_error(y, np.full(40, 0.5), bins=2) > 0.2


def test_ece_needs_predictions() -> None:
    with pytest.raises(ValueError, match="at least one prediction"):
        expected_calibration_error(np.array([]), np.array([]))


def test_noise_floor_is_the_ece_of_a_perfect_forecaster_and_shrinks_with_more_firms() -> None:
    rng = np.random.default_rng(7)
    small, large = rng.uniform(0.05, 0.6, 150), rng.uniform(0.05, 0.6, 15_000)
    floor_small = calibration_noise_floor(small, random_state=1)
    floor_large = calibration_noise_floor(large, draws=20, random_state=1)
    assert floor_small["p10"] <= floor_small["mean"] <= floor_small["p90"]
    # The bin rates' scatter falls as 1/sqrt(n): a hundred times the firms, a tenth the floor.
    assert floor_large["mean"] < floor_small["mean"] / 5
    assert calibration_noise_floor(small, random_state=1) == floor_small
    # Outcomes from other probabilities sit above the floor.
    drawn = rng.random(150) < np.clip(small + 0.2, 0, 1)
    assert expected_calibration_error(drawn, small) > floor_small["p90"]
