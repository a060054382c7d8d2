"""The registry source: its time-split backtest, its leakage guards, its card and progress."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring.growth.backtest import backtest_cohort
from scoring.growth.fits import Fits
from scoring.growth.panel import PANEL_FEATURES, panel_features
from scoring.growth.registry import (
    BASELINE_FEATURES,
    backtest_registry,
    build_registry_cohort,
    check_registry_split,
    labelled_years,
    rolling_registry,
    train_registry_model,
)
from tests.scoring.growth.test_panel import filing, firm_rows, funding_round

YEARS = range(2012, 2023)


@cache
def _registry(n: int = 160, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Firms whose growth rate persists, with noise; filings 2012-2022, labelled to 2019."""
    rng = np.random.default_rng(seed)
    codes = [f"F{i:03d}" for i in range(n)]
    rows, rounds = [], []
    for code in codes:
        revenue, staff = float(rng.uniform(1e6, 1e8)), float(rng.integers(10, 300))
        rate = float(rng.normal(0.15, 0.15))
        for year in YEARS:
            noise = float(rng.normal(0.0, 0.08))
            revenue *= 1 + rate + noise
            staff *= 1 + rate / 2 + noise / 2
            rows.append(filing(code, year, revenue, max(int(staff), 1)))
        if rng.random() < 0.5:
            rounds.append(funding_round(code, f"{int(rng.integers(2012, 2022))}-06-01", "angel",
                                        float(rng.uniform(1e6, 1e7))))
    return firm_rows(codes), pd.DataFrame(rows), pd.DataFrame(rounds)


def test_labelled_years_end_three_years_before_the_last_filing() -> None:
    _, filings, _ = _registry()
    assert labelled_years(filings) == (2012, 2019)


@cache
def _logistic_backtest() -> tuple[dict[str, Any], list[tuple[str, float]], Fits]:
    """The logistic backtest of ``_registry()``, the progress it reported and its fits
    (computed once for the tests that only read them; the fits for a training after it, as
    service.growth.service.train_with_backtest passes them)."""
    firms, filings, rounds = _registry()
    seen: list[tuple[str, float]] = []
    fits = Fits()
    result = backtest_registry(firms, filings, rounds, kind="logistic",
                               progress=lambda stage, done: seen.append((stage, done)), fits=fits)
    return result, seen, fits


def test_backtest_has_the_crunchbase_structure_and_a_real_time_split() -> None:
    result, seen, _ = _logistic_backtest()
    assert result["train_years"] == [2012, 2017]
    assert result["validation"]["year"] == 2017
    assert result["test_years"] == [2018, 2019]
    assert result["baseline_features"] == list(BASELINE_FEATURES)
    for key in ("auc", "brier", "precision_at_100", "ece", "baseline_auc", "base_rate_brier",
                "calibration", "reliability", "recalibration"):
        assert key in result
    assert result["auc"] > 0.6  # persistent growth is learnable
    done = [d for _, d in seen]
    assert done == sorted(done)
    assert done[0] == 0.0
    assert done[-1] == 1.0


def test_test_years_play_no_part_in_choice_or_calibration() -> None:
    firms, filings, rounds = _registry()
    cohort = build_registry_cohort(firms, filings, rounds, as_of_years=range(2012, 2020))
    split = {"train_from": 2012, "train_until": 2017, "test_years": (2018, 2019),
             "features": PANEL_FEATURES, "baseline_features": BASELINE_FEATURES}
    # Shared fits are keyed by every row and label they were fitted on: a fit that saw a
    # test-year row would be fitted afresh on the scrambled rows, and differ.
    fits = Fits()
    honest = backtest_cohort(cohort, **split, fits=fits)  # type: ignore[arg-type]
    scrambled = cohort.copy()
    test_rows = scrambled["as_of"].dt.year >= 2018
    rng = np.random.default_rng(0)
    for column in ("log_revenue", "revenue_growth_1y", "employee_growth_1y"):
        values = scrambled.loc[test_rows, column].to_numpy()
        scrambled.loc[test_rows, column] = rng.permutation(values)
    scrambled.loc[test_rows, "label"] = 1 - scrambled.loc[test_rows, "label"]
    other = backtest_cohort(scrambled, **split, fits=fits)  # type: ignore[arg-type]
    assert other["validation"] == honest["validation"]
    assert other["recalibration"] == honest["recalibration"]
    assert other["kind"] == honest["kind"]
    assert other["auc"] != honest["auc"]  # the test did change, so the comparison can fail


def test_no_feature_uses_a_filing_or_round_after_the_as_of_year() -> None:
    firms, filings, rounds = _registry()
    cut_filings = filings[filings["fiscal_year"] <= 2015]
    cut_rounds = rounds[pd.to_datetime(rounds["announced_on"]) <= pd.Timestamp("2015-12-31")]
    features = list(PANEL_FEATURES)
    # The label needs 2018's filing; every feature is the same without anything after 2015.
    uncut = build_registry_cohort(firms, filings, rounds, as_of_years=[2015])
    assert len(uncut) > 100
    reference = uncut.set_index("uscc")[features]
    before = panel_features(firms, cut_filings, cut_rounds, as_of_year=2015)
    pd.testing.assert_frame_equal(reference, before.loc[reference.index, features])


@pytest.mark.parametrize(("train_from", "train_until", "test_years", "message"), [
    (2012, 2017, (2017, 2019), "overlap"),
    (2012, 2012, (2013, 2013), "two years"),
    (2012, 2017, (2018, 2020), "known label"),
    (2011, 2017, (2018, 2019), "known label"),
])
def test_dishonest_splits_are_refused(train_from: int, train_until: int,
                                      test_years: tuple[int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_registry_split(train_from=train_from, train_until=train_until,
                             test_years=test_years, labelled=(2012, 2019))


def test_rolling_origin_reports_every_origin() -> None:
    firms, filings, rounds = _registry()
    result = rolling_registry(firms, filings, rounds, kind="logistic", origins=[2016, 2017, 2018])
    assert result["origins"] == [2016, 2017, 2018]
    assert [s["test_years"] for s in result["splits"]] == [[2017, 2017], [2018, 2018],
                                                          [2019, 2019]]
    assert set(result["summary"]["auc"]) == {"mean", "std", "min", "max"}


def test_the_card_states_label_backtest_range_and_synthetic() -> None:
    firms, filings, rounds = _registry()
    metrics, _, fits = _logistic_backtest()
    trained = train_registry_model(firms, filings, rounds, trained_on=date(2026, 1, 1),
                                   kind="logistic", metrics=metrics, synthetic=True, fits=fits)
    card = trained.card
    assert card["source"] == "registry"
    assert card["label"] == "oecd-high-growth-3y"
    assert "employees" in card["label_definition"]
    assert "SYNTHETIC" in card["warning"]
    assert card["as_of_years"] == list(range(2012, 2020))
    assert card["backtest"]["test_years"] == [2018, 2019]
    assert card["backtest"]["baseline"]["features"] == list(BASELINE_FEATURES)
    assert card["backtest"]["model"]["auc"] == metrics["auc"]
    assert card["calibration"]["validation_year"] == 2019
    assert card["data_range"]["last_filed_year"] == 2022
    real = train_registry_model(firms, filings, rounds, trained_on=date(2026, 1, 1),
                                kind="logistic", fits=fits)
    assert real.card["synthetic"] is False
    assert "warning" not in real.card
