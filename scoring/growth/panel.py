"""The firm-year features of the Haidian filings and funding rounds, and scoring growth frames.

Features of firm i in year t use only filings with fiscal_year ≤ t and funding rounds announced on
or before 31 December of t. The label and the training on many years are ``registry``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from scoring.growth.factors import factor_record

if TYPE_CHECKING:  # the type only: building features needs no scikit-learn
    from scoring.growth.model import GrowthClassifier

__all__ = [
    "PANEL_CATEGORICAL",
    "PANEL_FEATURES",
    "growth_frame",
    "panel_features",
    "predict_growth",
    "scoring_features",
]

PANEL_CATEGORICAL: Final = ("sector", "last_stage")
PANEL_FEATURES: Final = (
    *PANEL_CATEGORICAL,
    "listed",
    "age_years",
    "years_since_filing",
    "filings_to_date",
    "log_revenue",
    "log_employees",
    "revenue_growth_1y",
    "employee_growth_1y",
    "rd_intensity",
    "technical_staff_share",
    "rd_staff_share",
    "net_margin",
    "debt_ratio",
    "export_share",
    "log_ip_class1",
    "log_ip_class2",
    "log_pct_applications",
    "log_standards_led",
    "rounds_to_date",
    "log_funding_to_date",
    "years_since_last_round",
    "log_last_post_money",
)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    den = pd.to_numeric(denominator, errors="coerce")
    return pd.to_numeric(numerator, errors="coerce") / den.where(den > 0)


def _log1p(values: pd.Series) -> pd.Series:
    return pd.Series(np.log1p(pd.to_numeric(values, errors="coerce").clip(lower=0)),
                     index=values.index)


def panel_features(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                   *, as_of_year: int, uscc: Iterable[str] | None = None,
                   rounds_until: date | None = None) -> pd.DataFrame:
    """PANEL_FEATURES per firm (uscc index) as known on 31 December of as_of_year, plus
    ``has_history`` (a filing on or before that year); ``uscc`` limits it to those firms;
    ``rounds_until`` moves the funding-round cut-off (default 31 December of as_of_year)."""
    people = firms if "uscc" not in firms.columns else firms.set_index("uscc")
    if uscc is not None:
        people = people.reindex(list(uscc))
    index = people.index
    cutoff = pd.Timestamp(year=as_of_year, month=12, day=31)
    round_cutoff = cutoff if rounds_until is None else pd.Timestamp(rounds_until)

    known = filings[pd.to_numeric(filings["fiscal_year"], errors="coerce") <= as_of_year].copy()
    known["fiscal_year"] = known["fiscal_year"].astype(int)
    known = known.sort_values(["uscc", "fiscal_year"]).drop_duplicates(
        ["uscc", "fiscal_year"], keep="last")
    latest = known.groupby("uscc").tail(1).set_index("uscc").reindex(index)
    previous = known.groupby("uscc").nth(-2)
    previous = previous.set_index("uscc").reindex(index)
    # Growth only between consecutive fiscal years; a gap leaves it unknown.
    consecutive = (latest["fiscal_year"] - previous["fiscal_year"]) == 1

    rounds = funding_rounds.copy()
    rounds["announced_on"] = pd.to_datetime(rounds["announced_on"], errors="coerce")
    rounds = rounds[rounds["announced_on"] <= round_cutoff].sort_values(["uscc", "announced_on"])
    by_firm = rounds.groupby("uscc")
    last_round = by_firm.tail(1).set_index("uscc").reindex(index)
    valuation = rounds.dropna(subset=["post_money_valuation"]).groupby("uscc").tail(1)
    valuation = valuation.set_index("uscc").reindex(index)

    founded = pd.to_datetime(people["founded_on"], errors="coerce")
    standards = sum(pd.to_numeric(latest[c], errors="coerce").fillna(0) for c in (
        "standards_international", "standards_national", "standards_industry"))
    frame = pd.DataFrame({
        "sector": people["sector"].fillna("other").astype(str),
        "last_stage": last_round["stage"].fillna("none").astype(str),
        "listed": people["listed"].astype(str).str.lower().isin(["true", "1", "yes"])
        .astype(float),
        "age_years": (cutoff - founded).dt.days / 365.25,
        "years_since_filing": as_of_year - latest["fiscal_year"],
        "filings_to_date": known.groupby("uscc").size().reindex(index).fillna(0)
        .astype(float),
        "log_revenue": _log1p(latest["revenue"]),
        "log_employees": _log1p(latest["employees"]),
        "revenue_growth_1y": (_ratio(latest["revenue"], previous["revenue"]) - 1)
        .where(consecutive),
        "employee_growth_1y": (_ratio(latest["employees"], previous["employees"]) - 1)
        .where(consecutive),
        "rd_intensity": _ratio(latest["rd_expense"], latest["revenue"]),
        "technical_staff_share": _ratio(latest["technical_staff"], latest["employees"]),
        "rd_staff_share": _ratio(latest["rd_staff"], latest["employees"]),
        "net_margin": _ratio(latest["net_profit"], latest["revenue"]),
        "debt_ratio": _ratio(latest["total_liabilities"], latest["total_assets"]),
        "export_share": _ratio(latest["export_revenue"], latest["revenue"]),
        "log_ip_class1": _log1p(latest["ip_class1"]),
        "log_ip_class2": _log1p(latest["ip_class2"]),
        "log_pct_applications": _log1p(latest["pct_applications"]),
        "log_standards_led": np.log1p(standards),
        "rounds_to_date": by_firm.size().reindex(index).fillna(0).astype(float),
        "log_funding_to_date": np.log1p(pd.to_numeric(rounds["amount"], errors="coerce")
                                        .groupby(rounds["uscc"]).sum().reindex(index)
                                        .fillna(0)),
        "years_since_last_round": (cutoff - last_round["announced_on"]).dt.days / 365.25,
        "log_last_post_money": _log1p(valuation["post_money_valuation"]),
    }, index=index)
    frame = frame.astype({c: float for c in PANEL_FEATURES if c not in PANEL_CATEGORICAL})
    frame["has_history"] = latest["fiscal_year"].notna()
    frame.index.name = "uscc"
    return frame


def predict_growth(model: GrowthClassifier, firms: pd.DataFrame, filings: pd.DataFrame,
                   funding_rounds: pd.DataFrame, *, as_of: date, top: int = 3) -> pd.DataFrame:
    """Growth frame for a round's firms on its reference date ``as_of``.

    Known then: filings up to fiscal year ``as_of.year − 1`` (the last closed year) and rounds
    announced on or before ``as_of``. ``firms`` is indexed by uscc or has a ``uscc`` column.
    """
    return growth_frame(model, scoring_features(firms, filings, funding_rounds, as_of=as_of),
                        top=top)


def scoring_features(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                     *, as_of: date) -> pd.DataFrame:
    """PANEL_FEATURES of a round's firms on its reference date, as ``predict_growth`` sees them
    (filings to fiscal year ``as_of.year − 1``, rounds to ``as_of``)."""
    return panel_features(firms, filings, funding_rounds, as_of_year=as_of.year - 1,
                          rounds_until=as_of)


def growth_frame(model: GrowthClassifier, features: pd.DataFrame, *, top: int = 3
                 ) -> pd.DataFrame:
    """The scoring engine's growth frame: ``probability``, ``explanation`` (the top factors as
    ``factors.factor_record``s), ``missing_reason``.

    Firms without history (``has_history`` False) get NaN and a reason, never a made-up number.
    """
    has_history = (features["has_history"].astype(bool) if "has_history" in features.columns
                   else pd.Series(True, index=features.index))
    names = [str(c) for c in model.feature_names_in_]
    usable = features[has_history]
    out = pd.DataFrame(index=features.index)
    out["probability"] = np.nan
    out["missing_reason"] = pd.Series(
        np.where(has_history, "", "no filing on or before the as-of year"), index=features.index)
    explanations: dict[Any, list[dict[str, Any]]] = {firm: [] for firm in features.index}
    if len(usable):
        out.loc[usable.index, "probability"] = model.predict_proba(usable[names])[:, 1]
        reasons = model.explain(usable[names], top=top)
        for firm, reason in zip(usable.index, reasons, strict=True):
            explanations[firm] = [factor_record(name, usable.at[firm, name], value)
                                  for name, value in reason]
    out["explanation"] = pd.Series([explanations[firm] for firm in features.index],
                                   index=features.index, dtype=object)
    out.index.name = features.index.name
    return out
