"""The drift watch: PSI by hand, bins from the training rows, the outside-range share, levels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.growth import drift


def test_psi_of_two_bins_by_hand() -> None:
    # (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5)
    expected = -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    assert drift.psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
    assert expected == pytest.approx(0.274653, abs=1e-6)
    assert drift.psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_an_empty_bin_counts_as_one_in_ten_thousand() -> None:
    value = drift.psi([0.5, 0.5], [1.0, 0.0])
    assert value == pytest.approx(0.5 * math.log(2) + (1e-4 - 0.5) * math.log(1e-4 / 0.5))
    with pytest.raises(ValueError, match="2 expected shares but 3"):
        drift.psi([0.5, 0.5], [0.2, 0.3, 0.5])


def test_deciles_of_one_to_ten_and_a_pool_piled_at_both_ends() -> None:
    train = pd.DataFrame({"x": np.arange(1.0, 11.0)})
    ref = drift.reference(train, ["x"])
    entry = ref["features"]["x"]
    assert entry["edges"] == pytest.approx([1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1])
    assert entry["shares"] == pytest.approx([0.1] * 10 + [0.0])  # ten bins and missing
    assert (entry["min"], entry["max"]) == (1.0, 10.0)
    pool = pd.DataFrame({"x": [1.0] * 5 + [10.0] * 5})
    report = drift.compare(ref, pool)
    # Bins 0 and 9 hold half each, the eight others none (1e-4); missing is 0 on both sides.
    by_hand = 2 * (0.5 - 0.1) * math.log(0.5 / 0.1) + 8 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    row = report["features"][0]
    assert row["psi"] == pytest.approx(round(by_hand, 4))
    assert row["level"] == "major"
    assert report["drifted"] is True
    assert report["level"] == "major"
    assert "PSI > 0.25" in report["summary_en"]
    assert "漂移" in report["summary_zh"]


def test_the_same_distribution_is_stable_and_nothing_is_out_of_range() -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=5000), "s": rng.choice(["a", "b"], 5000)})
    pool = pd.DataFrame({"x": rng.normal(size=2000), "s": rng.choice(["a", "b"], 2000)})
    report = drift.compare(drift.reference(train, ["x", "s"]), pool)
    assert report["level"] == "stable"
    assert report["drifted"] is False
    assert all(r["psi"] < 0.02 for r in report["features"])
    assert report["summary_en"].startswith("Stable")


def test_a_shifted_mean_is_a_major_drift_and_values_beyond_training_are_counted() -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"x": rng.normal(size=5000)})
    ref = drift.reference(train, ["x"])
    shifted = drift.compare(ref, pd.DataFrame({"x": rng.normal(loc=1.0, size=2000)}))
    assert shifted["features"][0]["level"] == "major"
    beyond = drift.compare(ref, pd.DataFrame({"x": [ref["features"]["x"]["min"] - 1, 0.0,
                                                    ref["features"]["x"]["max"] + 1, np.nan]}))
    assert beyond["features"][0]["outside_range"] == pytest.approx(2 / 3, abs=1e-4)
    assert beyond["features"][0]["missing_share"] == 0.25
    assert "Only 4 firms" in beyond["summary_en"]


def test_categories_unseen_in_training_are_outside_its_range() -> None:
    train = pd.DataFrame({"sector": ["ai"] * 60 + ["bio"] * 40})
    ref = drift.reference(train, ["sector"])
    assert ref["features"]["sector"]["shares"] == [0.6, 0.4, 0.0, 0.0]  # ai, bio, other, missing
    report = drift.compare(ref, pd.DataFrame({"sector": ["ai", "bio", "space", None]}))
    row = report["features"][0]
    assert row["outside_range"] == pytest.approx(1 / 3, abs=1e-4)
    # ai 0.25, bio 0.25, other 0.25, missing 0.25 against 0.6, 0.4, 0, 0.
    by_hand = ((0.25 - 0.6) * math.log(0.25 / 0.6) + (0.25 - 0.4) * math.log(0.25 / 0.4)
               + 2 * (0.25 - 1e-4) * math.log(0.25 / 1e-4))
    assert row["psi"] == pytest.approx(round(by_hand, 4))


def test_a_moderate_shift_is_reported_but_not_flagged() -> None:
    assert drift.feature_level(0.1) == "stable"
    assert drift.feature_level(0.1001) == "moderate"
    assert drift.feature_level(0.25) == "moderate"
    assert drift.feature_level(0.2501) == "major"
