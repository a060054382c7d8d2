"""Derived indicators: the firm-level numbers a scheme scores, computed as of a reference date.

Which figures count (as of the reference date ``R``):

- **Filings** — fiscal year ``Y`` ends on 31 December of ``Y``, so a filing counts when
  ``date(Y, 12, 31) <= R``. Per firm, ``Y3`` is the latest such fiscal year it filed,
  ``Y2 = Y3 - 1`` and ``Y1 = Y3 - 2``; a figure of a year the firm did not file is missing.
- **Funding rounds** — those announced on or before ``R``.

Every indicator and its formula is listed in ``INDICATORS``; a division by zero, a negative base
or an absent figure gives a missing value (NaN), which each scheme criterion resolves with its
missing-value policy. The 高新技术企业 growth rates have one more rule: when ``Y2`` is 0 the
official score is 0, so the rate is NaN *and* the ``*_y2_zero`` flag is true; schemes scoring
these rates use the ``zero`` missing policy, which gives exactly 0 points and flags the firm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from scoring.vocabulary import FILING_FIELDS

__all__ = ["HAIDIAN_REGION", "INDICATORS", "STRATEGIC_EMERGING_GROUPS", "derive_indicators"]

HAIDIAN_REGION = "110108"

# Sector groups that fall under the 战略性新兴产业分类 (2018) top-level industries: new-generation
# IT, high-end equipment, new materials, biotech, energy saving, digital creative. Fintech, the
# platform economy and "other" have no such heading, so they score as "other field".
STRATEGIC_EMERGING_GROUPS: frozenset[str] = frozenset({
    "new-generation-it", "intelligent-manufacturing", "strategic-leading", "military-civil",
    "culture-technology",
})

_RAW_FIELDS: dict[str, str] = {f.name: f"{f.label_zh} in fiscal year Y3 (as filed)"
                               for f in FILING_FIELDS}

INDICATORS: Mapping[str, str] = {
    "age_years": "completed years since founded_on plus the elapsed share of the current year "
                 "(exactly 5.0 on the fifth anniversary)",
    "listed": "the firm is listed (from the profile)",
    "in_haidian": f"region == '{HAIDIAN_REGION}' (USCC positions 3-8 when region is absent)",
    "priority_sector": "sector is in vocabulary.priority_sector_codes()",
    "hard_tech": "the sector's taxonomy entry has hard_tech = true",
    "strategic_emerging": "the sector's group is in STRATEGIC_EMERGING_GROUPS",
    "latest_fiscal_year": "Y3, the latest fiscal year filed that ended on or before R",
    **_RAW_FIELDS,
    "net_assets": "total_assets - total_liabilities (Y3)",
    "rd_intensity": "rd_expense / revenue (Y3; revenue > 0)",
    "rd_intensity_prev": "rd_expense / revenue (Y2; revenue > 0)",
    "rd_intensity_change": "rd_intensity - rd_intensity_prev",
    "rd_to_total_costs": "rd_expense / total_costs (Y3; total_costs > 0)",
    "technical_staff_share": "technical_staff / employees (Y3; employees > 0)",
    "rd_staff_share": "rd_staff / employees (Y3; employees > 0)",
    "main_business_share": "main_business_revenue / revenue (Y3; revenue > 0)",
    "debt_ratio": "total_liabilities / total_assets (Y3; total_assets > 0)",
    "export_share": "export_revenue / revenue (Y3; revenue > 0)",
    "net_profit_margin": "net_profit / revenue (Y3; revenue > 0)",
    "revenue_growth": "revenue(Y3) / revenue(Y2) - 1 (revenue(Y2) > 0)",
    "revenue_growth_hnte": "1/2 * (V2/V1 + V3/V2) - 1 over revenue V1..V3 of Y1..Y3; "
                           "V1 = 0 -> V3/V2 - 1; V2 = 0 -> NaN (flag revenue_growth_hnte_y2_zero)",
    "revenue_growth_hnte_y2_zero": "revenue(Y2) == 0: the 高新技术企业 rule scores the growth 0",
    "net_asset_growth_hnte": "the same formula over net_assets of Y1..Y3",
    "net_asset_growth_hnte_y2_zero": "net_assets(Y2) == 0",
    "revenue_cagr_3y": "(revenue(Y3) / revenue(Y1)) ** (1/2) - 1 over the three fiscal years "
                       "Y1..Y3 (two compounding steps; revenue(Y1) > 0, revenue(Y3) >= 0)",
    "main_business_revenue_growth": "main_business_revenue(Y3) / main_business_revenue(Y2) - 1 "
                                    "(Y2 value > 0)",
    "rd_expense_growth": "rd_expense(Y3) / rd_expense(Y2) - 1 (Y2 value > 0)",
    "standards_led_total": "standards_international + standards_national + standards_industry "
                           "(NaN only when all three are absent)",
    "chain_leadership_count": "alliances_led + innovation_centres_led (NaN only when both absent)",
    "funding_to_date": "sum of amount over rounds announced on or before R (0 when none)",
    "funding_last_3y": "sum of amount over rounds announced in (R - 3 years, R]",
    "funding_round_count": "number of rounds announced on or before R",
    "funding_rounds_24m": "number of rounds announced in (R - 2 years, R]",
    "last_round_stage": "stage of the latest round on or before R (ties: larger amount, then "
                        "later stage in FUNDING_STAGES)",
    "last_round_amount": "amount of that round",
    "months_since_last_round": "(R - announced_on of that round) in days / (365.25 / 12)",
    "valuation_usd": "post_money_valuation of the latest round that reports one, / usd_cny",
}


def derive_indicators(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                      *, reference_date: dt.date, usd_cny: float) -> pd.DataFrame:
    """Indicators per uscc as of ``reference_date``; formulas in ``INDICATORS``."""
    raise NotImplementedError
