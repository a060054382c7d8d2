"""The three cohort schemes: rationales, stage-separating gates, end-to-end on derived data."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest

from scoring import derive_indicators, explanations, score
from scoring.vocabulary import COHORTS, FILING_FIELDS
from seed_data.schemes import load_bundled_scheme

REF = dt.date(2025, 6, 30)


@pytest.mark.parametrize("cohort", COHORTS)
def test_every_criterion_and_gate_says_why(cohort: str) -> None:
    scheme = load_bundled_scheme(cohort)
    assert scheme.cohort == cohort
    assert all(c.rationale for c in scheme.criteria)
    assert all(g.rationale for g in scheme.gates)
    assert any(c.method == "rating" for c in scheme.criteria)
    assert scheme.growth_model is not None
    assert not scheme.growth_model.enabled


def test_seed_has_about_fifteen_criteria_and_the_required_gates() -> None:
    scheme = load_bundled_scheme("seed")
    assert 13 <= len(scheme.criteria) <= 17
    gates = {(g.indicator, g.op, g.value) for g in scheme.gates}
    assert {("age_years", "<=", 5), ("in_haidian", "==", True),
            ("priority_sector", "==", True), ("ip_class1", ">=", 1)} <= gates
    rated = {c.id for c in scheme.criteria if c.method == "rating"}
    assert rated == {"hard_tech_distinctiveness", "business_model_innovation"}


def firm(uscc: str, founded: dt.date, revenue: float, **filing: float) -> tuple[
        dict[str, Any], list[dict[str, Any]]]:
    profile = {"uscc": uscc, "name": uscc, "founded_on": pd.Timestamp(founded), "sector": "ai",
               "sub_segment": "x", "listed": False, "region": "110108"}
    blank = {f.name: math.nan for f in FILING_FIELDS}
    years = [{"uscc": uscc, "fiscal_year": 2022 + i, **blank, "revenue": revenue * (0.8 + 0.1 * i),
              "main_business_revenue": revenue * 0.7, "rd_expense": revenue * 0.1,
              "employees": 50.0, "technical_staff": 20.0, "rd_staff": 15.0, "ip_class1": 2.0,
              "ip_class2": 3.0, "segment_market_share": 0.2, "segment_rank": 2.0, **filing}
             for i in range(3)]
    return profile, years


def derived(firms: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> pd.DataFrame:
    profiles = pd.DataFrame([p for p, _ in firms])
    filings = pd.DataFrame([row for _, rows in firms for row in rows])
    rounds = pd.DataFrame({"uscc": [profiles["uscc"][0]],
                           "announced_on": [pd.Timestamp(2024, 9, 1)],
                           "stage": ["angel"], "amount": [3e6], "post_money_valuation": [3e7]})
    return derive_indicators(profiles, filings, rounds, reference_date=REF, usd_cny=7.2)


def test_gates_separate_the_three_stages() -> None:
    indicators = derived([
        firm("START", dt.date(2022, 1, 1), 5e6),
        firm("GROWING", dt.date(2012, 1, 1), 3e8),
        firm("LEADING", dt.date(2001, 1, 1), 5e9),
    ])
    eligible = {c: dict(zip(indicators.index, score(load_bundled_scheme(c), indicators).eligible,
                            strict=True)) for c in COHORTS}
    assert eligible["seed"] == {"START": True, "GROWING": False, "LEADING": False}
    assert eligible["hidden-champion"] == {"START": False, "GROWING": True, "LEADING": False}
    assert eligible["leader"] == {"START": False, "GROWING": False, "LEADING": True}


def test_seed_scores_a_pool_with_ratings_end_to_end() -> None:
    indicators = derived([firm(f"S{i}", dt.date(2021 + i % 3, 3, 1), 1e6 * (i + 1),
                               ip_class1=float(1 + i)) for i in range(6)])
    ratings = pd.DataFrame([{"uscc": f"S{i}", "criterion": c, "reviewer": f"r{j}",
                             "score": (i + j) % 11}
                            for i in range(5) for j in range(3)
                            for c in ("hard_tech_distinctiveness", "business_model_innovation")])
    result = score(load_bundled_scheme("seed"), indicators, ratings=ratings, capacity=3)
    assert result.eligible.all()
    assert sorted(explanations.summary(result)["rank"].tolist()) == [1, 2, 3, 4, 5, 6]
    assert int(explanations.summary(result)["within_capacity"].sum()) == 3
    s5 = explanations.explain(result, "S5")
    rating = next(c for c in s5["criteria"] if c["criterion"] == "business_model_innovation")
    assert rating["missing"] is True  # S5 was not rated: pool median, flagged
    assert result.total.max() <= 96  # momentum (19 points of criteria) is capped at 15
