from __future__ import annotations

import pandas as pd
import pytest

from scoring.growth.backtest import check_split
from scoring.growth.sources import run_backtest
from tests.scoring.growth.builders import FIXTURES

KEYS = {"n_train", "n_test", "base_rate", "auc", "brier", "precision_at_100", "baseline_auc",
        "baseline_precision_at_100", "base_rate_brier", "kind", "per_kind", "reliability",
        "validation"}


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    return run_backtest(FIXTURES, train_until=2008, test_years=(2009, 2010))


def test_backtest_on_the_fixture_slice_returns_every_key_in_range(
        report: dict[str, object]) -> None:
    assert set(report) >= KEYS
    assert report["n_train"] == 231
    assert report["n_test"] == 129
    for key in ("base_rate", "auc", "brier", "precision_at_100", "baseline_auc",
                "baseline_precision_at_100", "base_rate_brier"):
        value = report[key]
        assert isinstance(value, float)
        assert 0.0 <= value <= 1.0, key
    assert report["kind"] in {"logistic", "gbm", "blend"}
    per_kind, validation = report["per_kind"], report["validation"]
    assert isinstance(per_kind, dict)
    assert set(per_kind) == {"logistic", "gbm", "blend"}
    assert isinstance(validation, dict)
    assert validation["year"] == 2008
    bins = report["reliability"]
    assert isinstance(bins, list)
    assert sum(b["n"] for b in bins) == report["n_test"]


def test_backtest_is_deterministic(report: dict[str, object]) -> None:
    again = run_backtest(FIXTURES, train_until=2008, test_years=(2009, 2010))
    assert again == report


def test_another_honest_split_works() -> None:
    result = run_backtest(FIXTURES, train_until=2007, test_years=(2008, 2008), kind="logistic",
                          label="exit-5y")
    assert result["kind"] == "logistic"
    assert result["validation"] == {}
    assert result["n_test"] == 70


@pytest.mark.parametrize(("train_until", "test_years", "label", "message"), [
    (2009, (2009, 2010), "series-b-3y", "overlap"),
    (2008, (2007, 2010), "series-b-3y", "overlap"),
    (2009, (2010, 2011), "series-b-3y", "censored"),
    (2007, (2008, 2009), "exit-5y", "censored"),
    (2008, (2010, 2009), "series-b-3y", "not in order"),
    (2008, (2009, 2010), "ipo-1y", "unknown label"),
])
def test_dishonest_splits_are_refused(train_until: int, test_years: tuple[int, int],
                                      label: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_split(train_from=2005, train_until=train_until, test_years=test_years,
                    label=label, observed_until=pd.Timestamp("2013-10-01"))
    with pytest.raises(ValueError, match=message):
        run_backtest(FIXTURES, train_until=train_until, test_years=test_years, label=label)


def test_too_few_firms_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="training years 2000-2003 has 0 firms"):
        run_backtest(FIXTURES, train_from=2000, train_until=2003, test_years=(2004, 2004),
                     kind="logistic")
