"""Derived indicators: formulas, the reference-date cut and the 高新技术企业 edge rules."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest

from scoring import INDICATORS, ScoringInputError, derive_indicators
from scoring.vocabulary import FILING_FIELDS

REF = dt.date(2024, 6, 30)


def firm(uscc: str, founded_on: dt.date = dt.date(2020, 1, 1), **extra: Any) -> dict[str, Any]:
    return {"uscc": uscc, "name": "测试", "founded_on": pd.Timestamp(founded_on),
            "sector": "ai", "sub_segment": "vision", "listed": False, "region": "110108",
            **extra}


def filing(uscc: str, year: int, **values: float) -> dict[str, Any]:
    return {"uscc": uscc, "fiscal_year": year, **{f.name: math.nan for f in FILING_FIELDS},
            **values}


def funding(uscc: str, on: dt.date, stage: str, amount: float,
            valuation: float = math.nan) -> dict[str, Any]:
    return {"uscc": uscc, "announced_on": pd.Timestamp(on), "stage": stage, "amount": amount,
            "post_money_valuation": valuation}


def derive(firms: list[dict[str, Any]], filings: list[dict[str, Any]] | None = None,
           rounds: list[dict[str, Any]] | None = None, reference: dt.date = REF,
           usd_cny: float = 7.0) -> pd.DataFrame:
    filing_cols = ["uscc", "fiscal_year"] + [f.name for f in FILING_FIELDS]
    round_cols = ["uscc", "announced_on", "stage", "amount", "post_money_valuation"]
    return derive_indicators(pd.DataFrame(firms), pd.DataFrame(filings or [], columns=filing_cols),
                             pd.DataFrame(rounds or [], columns=round_cols),
                             reference_date=reference, usd_cny=usd_cny)


def value(frame: pd.DataFrame, uscc: str, column: str) -> Any:
    return frame[column].to_numpy()[frame.index.get_loc(uscc)]


def test_every_indicator_is_a_column_and_documented() -> None:
    out = derive([firm("A")])
    assert list(out.columns) == list(INDICATORS)
    assert out.index.name == "uscc"


@pytest.mark.parametrize(("founded", "age"), [
    (dt.date(2019, 6, 30), 5.0), (dt.date(2019, 7, 1), 5.0 - 1 / 366),
    (dt.date(2019, 6, 29), 5.0 + 1 / 365), (dt.date(2024, 6, 30), 0.0),
])
def test_age_is_calendar_exact(founded: dt.date, age: float) -> None:
    assert value(derive([firm("A", founded)]), "A", "age_years") == pytest.approx(age)


def test_age_of_a_leap_day_firm_and_a_future_founding() -> None:
    out = derive([firm("LEAP", dt.date(2020, 2, 29)), firm("FUTURE", dt.date(2025, 1, 1))],
                 reference=dt.date(2023, 2, 28))
    assert value(out, "LEAP", "age_years") == 3.0
    assert math.isnan(value(out, "FUTURE", "age_years"))


def test_only_fiscal_years_ended_by_the_reference_date_count() -> None:
    filings = [filing("A", 2022, revenue=100.0), filing("A", 2023, revenue=200.0),
               filing("A", 2024, revenue=999.0)]
    mid_year = derive([firm("A")], filings, reference=dt.date(2024, 6, 30))
    year_end = derive([firm("A")], filings, reference=dt.date(2024, 12, 31))
    assert value(mid_year, "A", "latest_fiscal_year") == 2023
    assert value(mid_year, "A", "revenue") == 200.0
    assert value(year_end, "A", "revenue") == 999.0


def test_ratios_exact_at_boundaries() -> None:
    out = derive([firm("A")], [filing("A", 2023, revenue=10_000_000.0, rd_expense=600_000.0,
                                      total_costs=2_000_000.0, employees=100.0,
                                      technical_staff=30.0, rd_staff=25.0,
                                      main_business_revenue=7_000_000.0, total_assets=100.0,
                                      total_liabilities=55.0, export_revenue=1_000_000.0)])
    assert value(out, "A", "rd_intensity") == 0.06
    assert value(out, "A", "rd_to_total_costs") == 0.30
    assert value(out, "A", "technical_staff_share") == 0.30
    assert value(out, "A", "rd_staff_share") == 0.25
    assert value(out, "A", "main_business_share") == 0.70
    assert value(out, "A", "debt_ratio") == 0.55
    assert value(out, "A", "export_share") == 0.10


def test_zero_revenue_gives_missing_ratios() -> None:
    out = derive([firm("A")], [filing("A", 2023, revenue=0.0, rd_expense=5.0)])
    assert math.isnan(value(out, "A", "rd_intensity"))


def three_years(uscc: str, values: tuple[float, float, float], field: str = "revenue"
                ) -> list[dict[str, Any]]:
    return [filing(uscc, 2021 + i, **{field: v}) for i, v in enumerate(values)]


def test_hnte_growth_formula_and_edge_rules() -> None:
    filings = (three_years("NORMAL", (100.0, 120.0, 150.0))
               + three_years("Y1ZERO", (0.0, 100.0, 130.0))
               + three_years("Y2ZERO", (100.0, 0.0, 130.0))
               + three_years("GAP", (100.0, 120.0, 150.0))[1:])
    out = derive([firm(u) for u in ("NORMAL", "Y1ZERO", "Y2ZERO", "GAP")], filings)
    assert value(out, "NORMAL", "revenue_growth_hnte") == pytest.approx(0.5 * (1.2 + 1.25) - 1)
    assert value(out, "Y1ZERO", "revenue_growth_hnte") == pytest.approx(0.3)
    assert math.isnan(value(out, "Y2ZERO", "revenue_growth_hnte"))
    assert value(out, "Y2ZERO", "revenue_growth_hnte_y2_zero")
    assert not value(out, "NORMAL", "revenue_growth_hnte_y2_zero")
    assert math.isnan(value(out, "GAP", "revenue_growth_hnte"))
    assert value(out, "NORMAL", "revenue_cagr_3y") == pytest.approx(math.sqrt(1.5) - 1)
    assert value(out, "NORMAL", "revenue_growth") == pytest.approx(0.25)


def test_net_asset_growth_uses_assets_minus_liabilities() -> None:
    filings = [filing("A", 2021, total_assets=300.0, total_liabilities=200.0),
               filing("A", 2022, total_assets=300.0, total_liabilities=150.0),
               filing("A", 2023, total_assets=400.0, total_liabilities=175.0)]
    out = derive([firm("A")], filings)
    assert value(out, "A", "net_assets") == 225.0
    assert value(out, "A", "net_asset_growth_hnte") == pytest.approx(0.5 * (1.5 + 1.5) - 1)


def test_standards_and_chain_leadership_sum_reported_parts() -> None:
    out = derive([firm("A"), firm("B")],
                 [filing("A", 2023, standards_national=2.0, standards_industry=1.0,
                         alliances_led=1.0), filing("B", 2023)])
    assert value(out, "A", "standards_led_total") == 3.0
    assert value(out, "A", "chain_leadership_count") == 1.0
    assert math.isnan(value(out, "B", "standards_led_total"))


def test_funding_indicators_respect_the_reference_date() -> None:
    rounds = [funding("A", dt.date(2020, 1, 1), "angel", 1e6),
              funding("A", dt.date(2022, 6, 30), "series-a", 5e6, valuation=7e7),
              funding("A", dt.date(2023, 12, 31), "series-b", math.nan),
              funding("A", dt.date(2024, 7, 1), "series-c+", 9e9, valuation=9e10)]
    out = derive([firm("A"), firm("NONE")], rounds=rounds)
    assert value(out, "A", "funding_to_date") == 6e6
    assert value(out, "A", "funding_round_count") == 3
    assert value(out, "A", "funding_last_3y") == 5e6
    assert value(out, "A", "funding_rounds_24m") == 1
    assert value(out, "A", "last_round_stage") == "series-b"
    assert math.isnan(value(out, "A", "last_round_amount"))
    assert value(out, "A", "months_since_last_round") == pytest.approx(182 / (365.25 / 12))
    assert value(out, "A", "valuation_usd") == pytest.approx(1e7)
    assert value(out, "NONE", "funding_to_date") == 0.0
    assert value(out, "NONE", "last_round_stage") is None
    assert math.isnan(value(out, "NONE", "valuation_usd"))


def test_profile_flags() -> None:
    out = derive([firm("A", sector="other", region="110105"),
                  firm("91110108MA00000000", sector="fintech", region=None),
                  firm("C", sector="new-materials")])
    assert not value(out, "A", "in_haidian")
    assert not value(out, "A", "priority_sector")
    assert value(out, "91110108MA00000000", "in_haidian")
    assert value(out, "91110108MA00000000", "priority_sector")
    assert not value(out, "91110108MA00000000", "strategic_emerging")
    assert not value(out, "91110108MA00000000", "hard_tech")
    assert value(out, "C", "strategic_emerging")
    assert value(out, "C", "hard_tech")


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ScoringInputError, match="usd_cny"):
        derive([firm("A")], usd_cny=0.0)
    with pytest.raises(ScoringInputError, match="fiscal year"):
        derive([firm("A")], [filing("A", 2023), filing("A", 2023)])
