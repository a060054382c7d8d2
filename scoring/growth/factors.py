"""The growth model's reasons as records a page or an export can show: feature, value, signed
contribution (log-odds), and a sentence in Chinese and in English.

A ``log_`` feature holds ln(1 + x) — except those of ``LOG10_FEATURES``, which hold log10(x)
(the Crunchbase amount, as its backtest has always read it); its sentence shows x (e.g.
revenue in yuan), its record the value the model saw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from scoring.vocabulary import is_ratio

__all__ = ["FEATURE_NAMES", "LOG10_FEATURES", "factor_record", "feature_name"]

# Features that hold log10(x), not ln(1 + x) (scoring.growth.crunchbase).
LOG10_FEATURES: Final = frozenset({"log_amount"})

# feature → (Chinese, English), for the Haidian panel's features and the Crunchbase ones.
FEATURE_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "sector": ("所属领域", "sector"),
    "last_stage": ("最近融资轮次", "latest funding stage"),
    "listed": ("是否上市", "listed"),
    "age_years": ("企业年龄（年）", "age in years"),
    "years_since_filing": ("距最近年报年数", "years since the latest filing"),
    "filings_to_date": ("已报送年报数", "filings to date"),
    "log_revenue": ("营业收入（元）", "revenue (yuan)"),
    "log_employees": ("从业人员数", "employees"),
    "revenue_growth_1y": ("营业收入年增长率", "revenue growth over one year"),
    "employee_growth_1y": ("从业人员年增长率", "employee growth over one year"),
    "rd_intensity": ("研发投入强度", "R&D intensity"),
    "technical_staff_share": ("科技人员占比", "technical staff share"),
    "rd_staff_share": ("研发人员占比", "R&D staff share"),
    "net_margin": ("净利润率", "net margin"),
    "debt_ratio": ("资产负债率", "debt ratio"),
    "export_share": ("出口收入占比", "export share"),
    "log_ip_class1": ("I类知识产权数", "Class I IP"),
    "log_ip_class2": ("II类知识产权数", "Class II IP"),
    "log_pct_applications": ("PCT申请数", "PCT applications"),
    "log_standards_led": ("主导标准数", "standards led"),
    "rounds_to_date": ("累计融资轮数", "funding rounds to date"),
    "log_funding_to_date": ("累计融资额（元）", "funding to date (yuan)"),
    "years_since_last_round": ("距最近融资年数", "years since the latest round"),
    "log_last_post_money": ("最近投后估值（元）", "latest post-money valuation (yuan)"),
    "log_amount": ("首轮融资额（美元）", "first-round amount (USD)"),
    "category_code": ("行业类别", "industry category"),
    "state_code": ("所在州", "state"),
    "region": ("所在地区", "region"),
    "first_round_type": ("首轮类型", "first-round type"),
    "amount_missing": ("首轮融资额未知", "first-round amount unknown"),
    "age_missing": ("企业年龄未知", "age unknown"),
    "year": ("首轮融资年份", "year of the first round"),
    "quarter": ("首轮融资季度", "quarter of the first round"),
    "same_day_rounds": ("同日其他融资轮数", "other rounds on the same day"),
    "same_day_venture": ("同日有风险投资轮", "a venture round on the same day"),
    "log_sector_first_rounds_prior_year": ("同行业上一年首轮融资数", "first rounds in the sector "
                                           "in the year before"),
    "log_region_first_rounds_prior_year": ("同地区上一年首轮融资数", "first rounds in the region "
                                           "in the year before"),
    "log_region_later_rounds_prior_year": ("同地区上一年后续轮融资数", "later rounds in the region "
                                           "in the year before"),
    "log_sector_acquisitions_prior_year": ("同行业上一年并购数", "acquisitions in the sector in "
                                           "the year before"),
    "sector_followon_rate": ("同行业获后续融资的比例", "the sector's follow-on rate"),
    "region_followon_rate": ("同地区获后续融资的比例", "the region's follow-on rate"),
    "amount_vs_sector_prior_median": ("首轮融资额与同行业此前中位数之比（对数）",
                                      "first-round amount against the sector's earlier median "
                                      "(log)"),
}


def feature_name(feature: str, *, zh: bool = False) -> str:
    """The feature's name in words (its identifier when it has none)."""
    names = FEATURE_NAMES.get(feature)
    if names is None:
        return feature
    return names[0] if zh else names[1]


def _shown(feature: str, value: Any) -> str | None:
    """The value as a reader sees it (``None`` when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value
    number = float(value)
    if feature in LOG10_FEATURES:
        return f"{10 ** number:,.0f}"
    if feature.startswith("log_"):
        return f"{math.expm1(number):,.0f}"
    if is_ratio(feature):
        return f"{number:.1%}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def factor_record(feature: str, value: Any, contribution: float) -> dict[str, Any]:
    """One reason: the feature, the value the model saw, its signed log-odds contribution, and
    a sentence in Chinese (``text_zh``) and in English (``text_en``)."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    json_value: Any = None if missing else value if isinstance(value, str) else float(value)
    shown = _shown(feature, value)
    up = contribution >= 0
    zh_value = "未填报" if shown is None else f"为{shown}"
    en_value = "not reported" if shown is None else f"of {shown}"
    return {
        "feature": feature,
        "name_zh": feature_name(feature, zh=True),
        "name_en": feature_name(feature),
        "value": json_value,
        "contribution": round(float(contribution), 4),
        "text_zh": f"{feature_name(feature, zh=True)}{zh_value}，"
                   f"{'提高' if up else '降低'}成长概率（对数几率 {contribution:+.2f}）",
        "text_en": f"{_capitalised(feature_name(feature))} {en_value} "
                   f"{'raises' if up else 'lowers'} the growth probability "
                   f"({contribution:+.2f} log-odds)",
    }
