"""Programme KPIs: each published cohort against the plan's three-year targets.

Figures are the members' latest filings (fiscal years ended by the as-of date) and their funding
rounds announced by it, through ``scoring.derive_indicators``. The conditions:

- Leader: revenue ≥ 100 billion yuan (target 2–3), ≥ 10 billion (target 6 or more),
  ≥ 100 million (target 30 or more);
- Hidden Champion: unicorns, latest post-money valuation / usd_cny ≥ US$1 billion (10–15);
- Seed: "small giant" (专精特新"小巨人", after the MIIT 2022 criteria's size-and-R&D test): owns at
  least one Class I IP, and either revenue ≥ 100 million yuan with R&D intensity ≥ 3%, or revenue
  of 50–100 million yuan with R&D intensity ≥ 6% (no numeric target in the plan: ``target_min``
  1 means "at least one").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import scoring
from scoring.vocabulary import COHORTS
from service.models import Membership, utcnow
from service.rounds import service as rounds_service
from service.selection import frames as scoring_frames

__all__ = ["TARGETS", "Target", "measure"]


@dataclass(frozen=True, slots=True)
class Target:
    """One indicator: which cohort, the condition (text and test) and the target range."""

    cohort: str
    indicator: str
    condition: str
    target: str
    target_min: int
    target_max: int | None
    test: Callable[[pd.DataFrame], pd.Series]


def _small_giant(ind: pd.DataFrame) -> pd.Series:
    revenue, intensity = ind["revenue"], ind["rd_intensity"]
    large = (revenue >= 1e8) & (intensity >= 0.03)
    middle = (revenue >= 5e7) & (revenue < 1e8) & (intensity >= 0.06)
    return (ind["ip_class1"] >= 1) & (large | middle)


TARGETS: tuple[Target, ...] = (
    Target(
        "leader",
        "revenue_100bn",
        "latest revenue ≥ 100,000,000,000 yuan (千亿级)",
        "2–3",
        2,
        3,
        lambda i: i["revenue"] >= 1e11,
    ),
    Target(
        "leader",
        "revenue_10bn",
        "latest revenue ≥ 10,000,000,000 yuan (百亿级)",
        "6+",
        6,
        None,
        lambda i: i["revenue"] >= 1e10,
    ),
    Target(
        "leader",
        "revenue_100m",
        "latest revenue ≥ 100,000,000 yuan (亿元级)",
        "30+",
        30,
        None,
        lambda i: i["revenue"] >= 1e8,
    ),
    Target(
        "hidden-champion",
        "unicorns",
        "latest post-money valuation ≥ US$1,000,000,000",
        "10–15",
        10,
        15,
        lambda i: i["valuation_usd"] >= 1e9,
    ),
    Target(
        "seed",
        "small_giants",
        "owns ≥ 1 Class I IP and (revenue ≥ 100 million yuan with R&D intensity ≥ 3%, or "
        "revenue 50–100 million yuan with R&D intensity ≥ 6%)",
        "at least 1 (the plan states no number)",
        1,
        None,
        _small_giant,
    ),
)


def measure(
    session: Session, *, round_id: int, usd_cny: float, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Each published cohort's members counted against its targets."""
    selection_round = rounds_service.get_or_raise(session, round_id)
    rounds_service.require_state(selection_round, "published", doing="reporting KPIs")
    day = as_of or utcnow().date()
    members = list(
        session.execute(
            select(Membership.cohort, Membership.uscc).where(Membership.round_id == round_id)
        )
    )
    usccs = [uscc for _, uscc in members]
    indicators = pd.DataFrame()
    if usccs:
        frames = scoring_frames.load_scoring_frames(session, usccs, reference_date=day)
        indicators = scoring.derive_indicators(
            frames.firms, frames.filings, frames.funding_rounds, reference_date=day, usd_cny=usd_cny
        )
    cohorts = []
    for cohort in COHORTS:
        in_cohort = sorted(uscc for c, uscc in members if c == cohort)
        subset = indicators.reindex(in_cohort)
        targets = []
        for target in (t for t in TARGETS if t.cohort == cohort):
            hits = (
                target.test(subset).fillna(False).to_numpy(dtype=np.bool_)
                if in_cohort
                else np.zeros(0, dtype=np.bool_)
            )
            firms = [u for u, hit in zip(in_cohort, hits, strict=True) if hit]
            targets.append(
                {
                    "indicator": target.indicator,
                    "condition": target.condition,
                    "target": target.target,
                    "target_min": target.target_min,
                    "target_max": target.target_max,
                    "count": len(firms),
                    "met": len(firms) >= target.target_min,
                    "firms": firms,
                }
            )
        cohorts.append({"cohort": cohort, "members": len(in_cohort), "targets": targets})
    return {"round_id": round_id, "as_of": day, "usd_cny": usd_cny, "cohorts": cohorts}
