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

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.errors import ScoringInputError
from scoring.vocabulary import FILING_FIELDS, FUNDING_STAGES, SECTORS, priority_sector_codes

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
    "listing_track": "listed, or the latest round on or before R is pre-ipo or ipo "
                     "(on the way to a listing)",
}


FloatArray = npt.NDArray[np.float64]
_AVERAGE_MONTH_DAYS = 365.25 / 12


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` where the denominator is positive, else NaN."""
    return (numerator / denominator.where(denominator > 0)).astype(np.float64)


def _hnte_growth(v1: pd.Series, v2: pd.Series, v3: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(rate, y2_zero)``: ½(V2/V1 + V3/V2) − 1; V1 = 0 → V3/V2 − 1; V2 = 0 → NaN, flagged."""
    y2_zero = v2 == 0
    safe_v2 = v2.where(~y2_zero)
    two_year = 0.5 * (v2 / v1.where(v1 != 0) + v3 / safe_v2) - 1.0
    rate = two_year.where(v1 != 0, v3 / safe_v2 - 1.0)
    return rate.where(~y2_zero).astype(np.float64), y2_zero.fillna(False).astype(bool)


def _anniversary(year: FloatArray, month: FloatArray, day: FloatArray) -> pd.DatetimeIndex:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    # A firm founded on 29 February has its anniversary on 28 February in common years.
    day = np.where((month == 2) & (day == 29) & ~leap, 28, day)
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": year, "month": month,
                                                         "day": day}), errors="coerce"))


def _age_years(founded: pd.Series, reference: pd.Timestamp) -> pd.Series:
    """Completed years plus the elapsed share of the current year; NaN if founded after R."""
    valid = founded.notna() & (founded <= reference)
    f = founded.where(valid, reference)
    fy = f.dt.year.to_numpy(dtype=np.float64)
    fm = f.dt.month.to_numpy(dtype=np.float64)
    fd = f.dt.day.to_numpy(dtype=np.float64)
    before = (reference.month < fm) | ((reference.month == fm) & (reference.day < fd))
    whole = reference.year - fy - before
    last = _anniversary(fy + whole, fm, fd)
    following = _anniversary(fy + whole + 1, fm, fd)
    elapsed = (reference - last).days.to_numpy(dtype=np.float64)
    span = (following - last).days.to_numpy(dtype=np.float64)
    age = whole + elapsed / span
    return pd.Series(np.where(valid.to_numpy(), age, np.nan), index=founded.index)


def _keyed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if "uscc" not in frame.columns:
        raise ScoringInputError(f"{name}: a 'uscc' column is required")
    return frame


def _filing_indicators(filings: pd.DataFrame, index: pd.Index,
                       reference: pd.Timestamp) -> pd.DataFrame:
    filings = _keyed(filings, "filings")
    cutoff = reference.year if (reference.month, reference.day) == (12, 31) else (
        reference.year - 1)
    years_filed = filings["fiscal_year"].astype(np.int64)
    usable = filings.loc[years_filed <= cutoff].assign(fiscal_year=years_filed)
    keyed = usable.set_index(["uscc", "fiscal_year"])
    if keyed.index.has_duplicates:
        raise ScoringInputError("filings: more than one filing for a firm and fiscal year")
    fields = [f.name for f in FILING_FIELDS]
    # A column the caller did not send is a figure not reported: it stays NaN.
    keyed = keyed.reindex(columns=fields)
    numeric = keyed.apply(pd.to_numeric, errors="coerce").astype(np.float64)
    y3 = usable.groupby("uscc")["fiscal_year"].max().reindex(index)
    years = {"Y3": y3, "Y2": y3 - 1, "Y1": y3 - 2}
    frames = {}
    for label, year in years.items():
        lookup = pd.MultiIndex.from_arrays([index, year.fillna(-1).astype(np.int64)])
        frames[label] = numeric.reindex(lookup).set_axis(index)
    y1, y2, y3f = frames["Y1"], frames["Y2"], frames["Y3"]
    out = pd.DataFrame(index=index)
    out["latest_fiscal_year"] = y3.astype(np.float64)
    for name in fields:
        out[name] = y3f[name]
    net1 = y1["total_assets"] - y1["total_liabilities"]
    net2 = y2["total_assets"] - y2["total_liabilities"]
    net3 = y3f["total_assets"] - y3f["total_liabilities"]
    out["net_assets"] = net3
    out["rd_intensity"] = _ratio(y3f["rd_expense"], y3f["revenue"])
    out["rd_intensity_prev"] = _ratio(y2["rd_expense"], y2["revenue"])
    out["rd_intensity_change"] = out["rd_intensity"] - out["rd_intensity_prev"]
    out["rd_to_total_costs"] = _ratio(y3f["rd_expense"], y3f["total_costs"])
    out["technical_staff_share"] = _ratio(y3f["technical_staff"], y3f["employees"])
    out["rd_staff_share"] = _ratio(y3f["rd_staff"], y3f["employees"])
    out["main_business_share"] = _ratio(y3f["main_business_revenue"], y3f["revenue"])
    out["debt_ratio"] = _ratio(y3f["total_liabilities"], y3f["total_assets"])
    out["export_share"] = _ratio(y3f["export_revenue"], y3f["revenue"])
    out["net_profit_margin"] = _ratio(y3f["net_profit"], y3f["revenue"])
    out["revenue_growth"] = _ratio(y3f["revenue"], y2["revenue"]) - 1.0
    rate, flag = _hnte_growth(y1["revenue"], y2["revenue"], y3f["revenue"])
    out["revenue_growth_hnte"], out["revenue_growth_hnte_y2_zero"] = rate, flag
    rate, flag = _hnte_growth(net1, net2, net3)
    out["net_asset_growth_hnte"], out["net_asset_growth_hnte_y2_zero"] = rate, flag
    growth_ratio = _ratio(y3f["revenue"], y1["revenue"]).where(y3f["revenue"] >= 0)
    out["revenue_cagr_3y"] = np.sqrt(growth_ratio) - 1.0
    out["main_business_revenue_growth"] = _ratio(y3f["main_business_revenue"],
                                                 y2["main_business_revenue"]) - 1.0
    out["rd_expense_growth"] = _ratio(y3f["rd_expense"], y2["rd_expense"]) - 1.0
    out["standards_led_total"] = y3f[["standards_international", "standards_national",
                                      "standards_industry"]].sum(axis=1, min_count=1)
    out["chain_leadership_count"] = y3f[["alliances_led", "innovation_centres_led"]].sum(
        axis=1, min_count=1)
    return out


def _funding_indicators(rounds: pd.DataFrame, index: pd.Index, reference: pd.Timestamp,
                        usd_cny: float) -> pd.DataFrame:
    rounds = _keyed(rounds, "funding_rounds")
    announced = pd.to_datetime(rounds["announced_on"])
    nothing = pd.Series(np.nan, index=rounds.index)
    amount = rounds["amount"] if "amount" in rounds.columns else nothing
    valuation = (rounds["post_money_valuation"] if "post_money_valuation" in rounds.columns
                 else nothing)
    known = rounds.assign(
        announced_on=announced,
        amount=pd.to_numeric(amount, errors="coerce").astype(np.float64),
        post_money_valuation=pd.to_numeric(valuation, errors="coerce").astype(np.float64),
        stage_order=rounds["stage"].map({s: i for i, s in enumerate(FUNDING_STAGES)}),
    ).loc[announced <= reference]
    out = pd.DataFrame(index=index)
    by_firm = known.groupby("uscc")
    out["funding_to_date"] = by_firm["amount"].sum(min_count=0).reindex(index).fillna(0.0)
    out["funding_round_count"] = by_firm.size().reindex(index).fillna(0).astype(np.float64)
    recent3 = known.loc[known["announced_on"] > reference - pd.DateOffset(years=3)]
    out["funding_last_3y"] = recent3.groupby("uscc")["amount"].sum(min_count=0).reindex(
        index).fillna(0.0)
    recent2 = known.loc[known["announced_on"] > reference - pd.DateOffset(years=2)]
    out["funding_rounds_24m"] = recent2.groupby("uscc").size().reindex(index).fillna(0).astype(
        np.float64)
    ordered = known.assign(_amount=known["amount"].fillna(-np.inf)).sort_values(
        ["uscc", "announced_on", "_amount", "stage_order"], kind="stable")
    last = ordered.groupby("uscc").tail(1).set_index("uscc").reindex(index)
    out["last_round_stage"] = last["stage"].astype(object).where(last["stage"].notna(), None)
    out["last_round_amount"] = last["amount"].astype(np.float64)
    out["months_since_last_round"] = ((reference - last["announced_on"]).dt.days
                                      / _AVERAGE_MONTH_DAYS).astype(np.float64)
    valued = ordered.loc[ordered["post_money_valuation"].notna()]
    latest_value = valued.groupby("uscc").tail(1).set_index("uscc")["post_money_valuation"]
    out["valuation_usd"] = latest_value.reindex(index).astype(np.float64) / usd_cny
    return out


def derive_indicators(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                      *, reference_date: dt.date, usd_cny: float) -> pd.DataFrame:
    """Indicators per uscc (one row per firm of ``firms``) as of ``reference_date``.

    Each column's formula is in ``INDICATORS``; rules for which filings and rounds count are
    in the module docstring.
    """
    if not usd_cny > 0:
        raise ScoringInputError("usd_cny must be a positive exchange rate (yuan per dollar)")
    firms = _keyed(firms, "firms").set_index("uscc")
    if firms.index.has_duplicates:
        raise ScoringInputError("firms: duplicate uscc")
    index = pd.Index(firms.index, name="uscc")
    reference = pd.Timestamp(reference_date)
    out = pd.DataFrame(index=index)
    out["age_years"] = _age_years(pd.to_datetime(firms["founded_on"]), reference)
    out["listed"] = firms["listed"].fillna(False).astype(bool) if "listed" in firms else False
    region = firms["region"] if "region" in firms else pd.Series(None, index=index, dtype=object)
    region = region.astype(object).where(region.notna(), index.str.slice(2, 8))
    out["in_haidian"] = (region == HAIDIAN_REGION).to_numpy(dtype=bool)
    sector = firms["sector"] if "sector" in firms else pd.Series(None, index=index, dtype=object)
    out["priority_sector"] = sector.isin(priority_sector_codes()).to_numpy(dtype=bool)
    hard_tech = {s.code: s.hard_tech for s in SECTORS}
    out["hard_tech"] = sector.map(hard_tech).fillna(False).to_numpy(dtype=bool)
    group = {s.code: s.group for s in SECTORS}
    out["strategic_emerging"] = sector.map(group).isin(STRATEGIC_EMERGING_GROUPS).to_numpy(
        dtype=bool)
    out = out.join(_filing_indicators(filings, index, reference))
    out = out.join(_funding_indicators(funding_rounds, index, reference, usd_cny))
    out["listing_track"] = out["listed"].to_numpy(dtype=bool) | out["last_round_stage"].isin(
        ("pre-ipo", "ipo")).to_numpy(dtype=bool)
    return out[[name for name in INDICATORS]]
