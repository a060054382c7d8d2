"""Hand-computed cases for the official reference schemes, every band boundary included."""

from __future__ import annotations

import pytest

from scoring import explanations, score
from seed_data.schemes import load_bundled_scheme
from tests.scoring.builders import indicator_frame, one_firm, points_of

TSME_SIZE = {"employees": 100, "revenue": 1e7, "total_assets": 1e7}


def tsme_points(criterion: str, **values: float) -> float:
    base = {**TSME_SIZE, "technical_staff_share": 0.0, "rd_intensity": 0.0,
            "rd_to_total_costs": 0.0, "ip_class1": 0, "ip_class2": 0, "standards_led_total": 0}
    result = score(load_bundled_scheme("tsme-2017"), one_firm(**{**base, **values}))
    return points_of(result, "F", criterion)


@pytest.mark.parametrize(("share", "points"), [
    (0.0, 0), (0.0999, 0), (0.10, 4), (0.1499, 4), (0.15, 8), (0.20, 12), (0.2499, 12),
    (0.25, 16), (0.2999, 16), (0.30, 20), (30 / 100, 20), (0.95, 20),
])
def test_tsme_technical_staff_bands(share: float, points: float) -> None:
    assert tsme_points("technical_staff", technical_staff_share=share) == points


@pytest.mark.parametrize(("intensity", "cost_share", "points"), [
    (0.06, 0.0, 50), (6 / 100, 0.0, 50), (0.0599, 0.0, 40), (0.05, 0.0, 40), (0.04, 0.0, 30),
    (0.03, 0.0, 20), (0.02, 0.0, 10), (0.0199, 0.0, 0),
    (0.0, 0.30, 50), (0.0, 0.2999, 40), (0.0, 0.25, 40), (0.0, 0.20, 30), (0.0, 0.15, 20),
    (0.0, 0.10, 10), (0.0, 0.0999, 0),
    # the better of the two counts
    (0.035, 0.26, 40), (0.061, 0.11, 50), (float("nan"), 0.16, 20),
])
def test_tsme_rd_input_takes_the_better_band(intensity: float, cost_share: float,
                                             points: float) -> None:
    assert tsme_points("rd_input", rd_intensity=intensity, rd_to_total_costs=cost_share) == points


@pytest.mark.parametrize(("class1", "class2", "points"), [
    (1, 0, 30), (3, 9, 30), (0, 4, 24), (0, 7, 24), (0, 3, 18), (0, 2, 12), (0, 1, 6), (0, 0, 0),
])
def test_tsme_ip(class1: int, class2: int, points: float) -> None:
    assert tsme_points("ip", ip_class1=class1, ip_class2=class2) == points


def test_tsme_total_pass_and_nonzero_staff_rule() -> None:
    base = {**TSME_SIZE, "rd_intensity": 0.05, "rd_to_total_costs": 0.0, "ip_class1": 0,
            "ip_class2": 2, "standards_led_total": 0}
    frame = indicator_frame([
        {"uscc": "PASS60", **base, "technical_staff_share": 0.10},  # 4 + 40 + 12 = 56
        {"uscc": "EXACT60", **base, "technical_staff_share": 0.20},  # 12 + 40 + 12 = 64
        {"uscc": "ZEROSTAFF", **base, "technical_staff_share": 0.05, "ip_class1": 1},  # 0+40+30
        {"uscc": "JUST60", **base, "technical_staff_share": 0.10, "ip_class2": 3},  # 4+40+18=62
        {"uscc": "SIXTY", **base, "technical_staff_share": 0.15, "rd_intensity": 0.04,
         "ip_class2": 4},  # 8 + 30 + 24 = 62
        {"uscc": "FIFTY8", **base, "technical_staff_share": 0.10, "rd_intensity": 0.04,
         "ip_class2": 4},  # 4 + 30 + 24 = 58
    ])
    summary = explanations.summary(score(load_bundled_scheme("tsme-2017"), frame))
    assert summary["total"].to_dict() == {"PASS60": 56, "EXACT60": 64, "ZEROSTAFF": 70,
                                          "JUST60": 62, "SIXTY": 62, "FIFTY8": 58}
    assert summary["passed"].to_dict() == {"PASS60": False, "EXACT60": True, "ZEROSTAFF": False,
                                           "JUST60": True, "SIXTY": True, "FIFTY8": False}


def test_tsme_threshold_is_inclusive_at_exactly_60() -> None:
    frame = one_firm(**TSME_SIZE, technical_staff_share=0.10, rd_intensity=0.05,
                     rd_to_total_costs=0.0, ip_class1=0, ip_class2=3, standards_led_total=0)
    # 4 + 40 + 18 = 62; drop to exactly 60 with 2 Class II (12) and 8 staff points: 8 + 40 + 12
    frame.loc["F", ["technical_staff_share", "ip_class2"]] = [0.15, 2]
    result = score(load_bundled_scheme("tsme-2017"), frame)
    assert result.total[0] == 60
    assert bool(result.passed[0])


@pytest.mark.parametrize(("column", "value", "eligible"), [
    ("employees", 500, True), ("employees", 501, False), ("revenue", 2e8, True),
    ("revenue", 2e8 + 1, False), ("total_assets", 2e8, True), ("total_assets", 2.5e8, False),
])
def test_tsme_size_gates(column: str, value: float, eligible: bool) -> None:
    values = {**TSME_SIZE, column: value, "technical_staff_share": 0.3, "rd_intensity": 0.1,
              "rd_to_total_costs": 0.1, "ip_class1": 1, "ip_class2": 0,
              "standards_led_total": 0}
    result = score(load_bundled_scheme("tsme-2017"), one_firm(**values))
    assert bool(result.eligible[0]) is eligible
    gates = explanations.gates(result).set_index("gate")
    name = {"employees": "staff", "revenue": "revenue", "total_assets": "assets"}[column]
    assert bool(gates.at[name, "passed"]) is eligible
    assert (gates.at[name, "reason"] == "") is eligible


def test_tsme_direct_recognition_by_standards_led() -> None:
    values = {**TSME_SIZE, "technical_staff_share": 0.0, "rd_intensity": 0.0,
              "rd_to_total_costs": 0.0, "ip_class1": 0, "ip_class2": 0}
    frame = indicator_frame([{"uscc": "LED", **values, "standards_led_total": 1},
                             {"uscc": "NOT", **values, "standards_led_total": 0}])
    summary = explanations.summary(score(load_bundled_scheme("tsme-2017"), frame))
    assert summary.at["LED", "bypassed"]
    assert summary.at["LED", "passed"]
    assert not summary.at["NOT", "passed"]
    assert "bypass:standards-led" in str(summary.at["LED", "flags"])


def hnte_points(**values: float) -> tuple[float, float]:
    result = score(load_bundled_scheme("hnte-2016-growth"), one_firm(**values))
    return points_of(result, "F", "net_asset_growth"), points_of(result, "F", "revenue_growth")


@pytest.mark.parametrize(("rate", "points"), [
    (-0.2, 0), (0.0, 0), (1e-6, 2), (0.0499, 2), (0.05, 4), (0.1499, 4), (0.15, 6), (0.25, 8),
    (0.3499, 8), (0.35, 10), (2.0, 10),
])
def test_hnte_growth_bands(rate: float, points: float) -> None:
    assert hnte_points(net_asset_growth_hnte=rate, revenue_growth_hnte=rate) == (points, points)


def test_hnte_computed_35_percent_counts_as_35() -> None:
    # ½(135/100 + 182.25/135) − 1 computes as 0.35000000000000009 in floating point.
    rate = 0.5 * (135 / 100 + 182.25 / 135) - 1
    assert rate != 0.35
    assert hnte_points(net_asset_growth_hnte=rate, revenue_growth_hnte=0.3499) == (10, 8)


def test_hnte_y2_zero_scores_zero_and_is_flagged() -> None:
    result = score(load_bundled_scheme("hnte-2016-growth"),
                   one_firm(net_asset_growth_hnte=float("nan"), revenue_growth_hnte=0.2))
    rows = explanations.criteria(result).set_index("criterion")
    assert rows.at["net_asset_growth", "points"] == 0
    assert bool(rows.at["net_asset_growth", "missing"])
    assert "policy zero" in str(rows.at["net_asset_growth", "note"])
    assert rows.at["revenue_growth", "points"] == 6
    assert result.total[0] == 6


def isme_points(criterion: str, **values: float) -> float:
    base = {"ip_class1_high_value": 0, "ip_class1_self_developed": 0, "ip_class1": 0,
            "ip_class2": 0, "rd_intensity": 0.0, "main_business_revenue_growth": 0.0,
            "debt_ratio": 0.5, "strategic_emerging": False, "main_business_share": 0.0,
            "funding_last_3y": 0.0}
    result = score(load_bundled_scheme("innovative-sme-2022"), one_firm(**{**base, **values}))
    return points_of(result, "F", criterion)


@pytest.mark.parametrize(("counts", "points"), [
    ({"ip_class1_high_value": 1, "ip_class1_self_developed": 1, "ip_class1": 2}, 20),
    ({"ip_class1_self_developed": 1, "ip_class1": 1}, 15),
    ({"ip_class1": 1}, 10), ({"ip_class2": 1}, 5), ({"ip_class2": 7}, 5), ({}, 0),
])
def test_isme_ip(counts: dict[str, int], points: float) -> None:
    assert isme_points("ip", **counts) == points


@pytest.mark.parametrize(("value", "points"), [
    (0.0, 0), (0.0099, 0), (0.01, 5), (0.02, 10), (0.03, 15), (0.05, 15), (0.0501, 20),
])
def test_isme_rd_intensity(value: float, points: float) -> None:
    assert isme_points("rd_intensity", rd_intensity=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (-0.01, 0), (0.0, 5), (0.0499, 5), (0.05, 10), (0.10, 15), (0.15, 15), (0.1501, 20),
])
def test_isme_main_business_growth(value: float, points: float) -> None:
    assert isme_points("main_business_revenue_growth", main_business_revenue_growth=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (0.0, 10), (0.5499, 10), (0.55, 5), (0.75, 5), (0.7501, 0),
])
def test_isme_debt_ratio(value: float, points: float) -> None:
    assert isme_points("debt_ratio", debt_ratio=value) == points


@pytest.mark.parametrize(("value", "points"), [
    (0.0, 0), (0.4999, 0), (0.50, 5), (0.55, 10), (0.60, 15), (0.70, 15), (0.7001, 20),
])
def test_isme_main_business_share(value: float, points: float) -> None:
    assert isme_points("main_business_share", main_business_share=value) == points


@pytest.mark.parametrize(("flag", "points"), [(True, 10), (False, 5)])
def test_isme_strategic_emerging(flag: bool, points: float) -> None:
    assert isme_points("strategic_emerging", strategic_emerging=flag) == points


def test_isme_total_threshold_and_category_minimums() -> None:
    common = {"ip_class1_self_developed": 0, "ip_class1_high_value": 0, "ip_class2": 0,
              "funding_last_3y": 0.0, "strategic_emerging": True}
    frame = indicator_frame([
        # innovation 10 + 15 = 25, growth 15 + 10 = 25, specialisation 10 + 15 = 25 → 75
        {"uscc": "BAL", **common, "ip_class1": 1, "rd_intensity": 0.04,
         "main_business_revenue_growth": 0.12, "debt_ratio": 0.3, "main_business_share": 0.65},
        # innovation 0 + 20, growth 20 + 10, specialisation 10 + 0 < 15: 60 points, yet fails
        {"uscc": "LOWSPEC", **common, "ip_class1": 0, "rd_intensity": 0.09,
         "main_business_revenue_growth": 0.5, "debt_ratio": 0.2, "main_business_share": 0.3},
        # innovation 10 + 10 = 20 (exactly the minimum), growth 5 + 10, spec. 10 + 5: 50 < 60
        {"uscc": "LOW", **common, "ip_class1": 1, "rd_intensity": 0.025,
         "main_business_revenue_growth": 0.0, "debt_ratio": 0.1, "main_business_share": 0.52},
    ])
    result = score(load_bundled_scheme("innovative-sme-2022"), frame)
    summary = explanations.summary(result)
    assert summary["total"].to_dict() == {"BAL": 75, "LOWSPEC": 60, "LOW": 50}
    assert summary["passed"].to_dict() == {"BAL": True, "LOWSPEC": False, "LOW": False}
    assert "below-minimum:category:specialisation" in str(summary.at["LOWSPEC", "flags"])
    cats = explanations.categories(result).set_index(["uscc", "category"])
    assert cats.at[("LOW", "innovation"), "capped"] == 20
    assert bool(cats.at[("LOW", "innovation"), "minimum_met"])


def test_isme_direct_recognition_by_equity_financing() -> None:
    base = {"ip_class1_high_value": 0, "ip_class1_self_developed": 0, "ip_class1": 0,
            "ip_class2": 0, "rd_intensity": 0.0, "main_business_revenue_growth": -0.1,
            "debt_ratio": 0.9, "strategic_emerging": False, "main_business_share": 0.1}
    frame = indicator_frame([{"uscc": "RAISED", **base, "funding_last_3y": 5_000_000.0},
                             {"uscc": "SHORT", **base, "funding_last_3y": 4_999_999.0}])
    summary = explanations.summary(score(load_bundled_scheme("innovative-sme-2022"), frame))
    assert summary.at["RAISED", "passed"]
    assert summary.at["RAISED", "bypassed"]
    assert not summary.at["SHORT", "passed"]
