from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring.growth.panel import PANEL_FEATURES, growth_frame, panel_features, predict_growth
from scoring.growth.registry import build_panel, train_registry_model
from scoring.vocabulary import FILING_FIELDS


def firm_rows(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"uscc": codes, "name": codes, "name_en": codes,
                         "founded_on": "2015-03-01", "sector": "ai", "sub_segment": "x",
                         "listed": False, "region": "110108"})


def filing(uscc: str, year: int, revenue: float, employees: int) -> dict[str, object]:
    row: dict[str, object] = {f.name: 1.0 for f in FILING_FIELDS}
    row.update({"uscc": uscc, "fiscal_year": year, "revenue": revenue, "employees": employees,
                "total_assets": 10 * revenue, "total_liabilities": 2 * revenue})
    return row


def funding_round(uscc: str, announced_on: str, stage: str, amount: float) -> dict[str, object]:
    return {"uscc": uscc, "announced_on": announced_on, "stage": stage, "amount": amount,
            "post_money_valuation": np.nan}


def test_oecd_label_follows_the_definition() -> None:
    filings = pd.DataFrame([
        filing("A", 2020, 100.0, 12), filing("A", 2023, 200.0, 12),  # revenue 26%/year
        filing("B", 2020, 100.0, 12), filing("B", 2023, 150.0, 16),  # 14%, staff 10%/year
        filing("C", 2020, 100.0, 5), filing("C", 2023, 900.0, 30),  # too small at start
        filing("D", 2020, 100.0, 50),  # outcome not filed yet
        filing("F", 2020, 100.0, 10), filing("F", 2023, 90.0, 18),  # staff 21.6%/year
        filing("G", 2020, 100.0, 10), filing("G", 2023, 172.8, 10),  # revenue exactly 20%
    ])
    panel = build_panel(firm_rows(["A", "B", "C", "D", "E", "F", "G"]), filings,
                        pd.DataFrame([funding_round("A", "2019-05-01", "angel", 1e6)]),
                        as_of_year=2020)
    labels = panel["label"]
    assert labels["A"] == 1.0
    assert labels["B"] == 0.0
    assert labels["F"] == 1.0  # employees alone suffice
    assert labels["G"] == 1.0  # at least 20%: the threshold counts
    assert labels[["C", "D", "E"]].isna().all()
    assert not bool(panel.loc["E", "has_history"])
    assert panel.loc["A", "rounds_to_date"] == 1


def test_later_filings_and_rounds_change_no_feature() -> None:
    firms = firm_rows(["A", "B"])
    filings = pd.DataFrame([filing("A", 2019, 80.0, 11), filing("A", 2020, 100.0, 12),
                            filing("B", 2020, 10.0, 3)])
    rounds = pd.DataFrame([funding_round("A", "2020-12-31", "series-a", 5e6)])
    before = panel_features(firms, filings, rounds, as_of_year=2020)
    later_filings = pd.concat([filings, pd.DataFrame([filing("A", 2021, 500.0, 90),
                                                      filing("B", 2022, 1.0, 1)])])
    later_rounds = pd.concat([rounds, pd.DataFrame([funding_round("A", "2021-01-01",
                                                                  "series-b", 9e7)])])
    after = panel_features(firms, later_filings, later_rounds, as_of_year=2020)
    pd.testing.assert_frame_equal(before, after)
    assert before.loc["A", "last_stage"] == "series-a"  # 31 December counts
    assert before.loc["A", "revenue_growth_1y"] == pytest.approx(0.25)


def _synthetic_panel(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, ...]:
    rng = np.random.default_rng(seed)
    codes = [f"F{i:03d}" for i in range(n)]
    rows, rounds = [], []
    for code in codes:
        revenue, staff = float(rng.uniform(1e6, 1e8)), int(rng.integers(10, 300))
        rate = float(rng.normal(0.15, 0.15))
        for year in range(2019, 2024):
            rows.append(filing(code, year, revenue * (1 + rate) ** (year - 2019), staff))
        if rng.random() < 0.5:
            rounds.append(funding_round(code, "2019-06-01", "angel", float(rng.uniform(1e6, 1e7))))
    return firm_rows(codes), pd.DataFrame(rows), pd.DataFrame(rounds)


def test_growth_frame_for_scoring_flags_firms_without_history() -> None:
    firms, filings, rounds = _synthetic_panel()
    trained = train_registry_model(firms, filings, rounds, as_of_years=[2019, 2020],
                                   trained_on=date(2026, 1, 1), synthetic=True)
    assert trained.card["synthetic"] is True
    assert trained.card["features"] == list(PANEL_FEATURES)
    newcomers = pd.concat([firms, firm_rows(["NEW"])])
    features = panel_features(newcomers, filings, rounds, as_of_year=2023,
                              uscc=["F001", "F002", "NEW"])
    growth = growth_frame(trained.estimator, features, top=2)
    assert list(growth.index) == ["F001", "F002", "NEW"]
    assert growth.loc[["F001", "F002"], "probability"].between(0, 1).all()
    probability = growth["probability"].to_numpy(dtype=float)
    explanations: list[list[dict[str, Any]]] = growth["explanation"].tolist()
    reasons: list[str] = growth["missing_reason"].tolist()
    assert np.isnan(probability[2])
    assert explanations[2] == []
    assert reasons[2] != ""
    assert reasons[0] == ""
    assert len(explanations[0]) == 2
    assert all(f["feature"] in PANEL_FEATURES and isinstance(f["contribution"], float)
               for f in explanations[0])
    # Each record carries the value the model saw, as the features frame holds it.
    for factor in explanations[0]:
        seen: Any = features.at["F001", factor["feature"]]
        if isinstance(seen, str):
            assert factor["value"] == seen
        elif pd.isna(seen):
            assert factor["value"] is None
        else:
            assert factor["value"] == pytest.approx(float(seen))


def test_registry_training_needs_labelled_rows() -> None:
    firms, filings, rounds = _synthetic_panel()
    with pytest.raises(ValueError, match="labelled rows"):
        train_registry_model(firms, filings, rounds, as_of_years=[2021, 2022],
                             trained_on=date(2026, 1, 1))


def test_predict_growth_uses_what_was_known_on_the_reference_date() -> None:
    firms, filings, rounds = _synthetic_panel()
    trained = train_registry_model(firms, filings, rounds, as_of_years=[2019, 2020],
                                   trained_on=date(2026, 1, 1))
    on_date = predict_growth(trained.estimator, firms.set_index("uscc"), filings, rounds,
                             as_of=date(2024, 3, 1))
    by_year = growth_frame(trained.estimator,
                           panel_features(firms, filings, rounds, as_of_year=2023))
    pd.testing.assert_series_equal(on_date["probability"], by_year["probability"])
    later = pd.concat([filings, filings[filings["fiscal_year"] == 2023].assign(
        fiscal_year=2024, revenue=1.0)])
    again = predict_growth(trained.estimator, firms, later, rounds, as_of=date(2024, 3, 1))
    pd.testing.assert_series_equal(on_date["probability"], again["probability"])
