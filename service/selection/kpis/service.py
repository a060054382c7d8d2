"""Programme KPIs: each published cohort against the plan's three-year targets, counted as the
plan counts them — members that *newly* reach a level during the validity period.

At publication each member's baseline is recorded: the levels below it already held, from its
latest filing and funding as of the membership's start (``Membership.baseline``). A KPI counts
the members that hold a level in some year of the validity period without having held it at
the baseline, by the year they first held it (fiscal year Y is read as of 31 December of Y, or
the as-of date when that comes first). So the leader's "30+ 亿元" target cannot be met by the
leader gate (≥ 10亿): a member above 1亿 on entry counts as already there, not as progress.

Figures are the members' latest filings (fiscal years ended by the reference date) and their
funding rounds announced by it, through ``scoring.derive_indicators``. The levels:

- Leader: revenue ≥ 100 billion yuan (target 2–3), ≥ 10 billion (target 6 or more),
  ≥ 100 million (target 30 or more);
- Hidden Champion: unicorns, latest post-money valuation / usd_cny ≥ US$1 billion (10–15);
- Seed: "small giant" (专精特新"小巨人", after the MIIT 2022 criteria's size-and-R&D test): owns at
  least one Class I IP, and either revenue ≥ 100 million yuan with R&D intensity ≥ 3%, or revenue
  of 50–100 million yuan with R&D intensity ≥ 6% (no numeric target in the plan: ``target_min``
  1 means "at least one"). No recognition (专精特新 / 小巨人 certificates) is recorded in the
  filings, so the size-and-R&D test stands in for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
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

__all__ = ["TARGETS", "Target", "baselines", "measure"]


@dataclass(frozen=True, slots=True)
class Target:
    """One indicator: which cohort, the condition (text and test) and the target range; the
    texts in English and, for the pages, in Chinese (amounts in 亿元 and 万元)."""

    cohort: str
    indicator: str
    condition: str
    target: str
    target_min: int
    target_max: int | None
    test: Callable[[pd.DataFrame], pd.Series]
    condition_zh: str
    target_zh: str


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
        "最新营业收入不低于 1,000 亿元（千亿级）",
        "2–3 家",
    ),
    Target(
        "leader",
        "revenue_10bn",
        "latest revenue ≥ 10,000,000,000 yuan (百亿级)",
        "6+",
        6,
        None,
        lambda i: i["revenue"] >= 1e10,
        "最新营业收入不低于 100 亿元（百亿级）",
        "6 家以上",
    ),
    Target(
        "leader",
        "revenue_100m",
        "latest revenue ≥ 100,000,000 yuan (亿元级)",
        "30+",
        30,
        None,
        lambda i: i["revenue"] >= 1e8,
        "最新营业收入不低于 1 亿元（亿元级）",
        "30 家以上",
    ),
    Target(
        "hidden-champion",
        "unicorns",
        "latest post-money valuation ≥ US$1,000,000,000",
        "10–15",
        10,
        15,
        lambda i: i["valuation_usd"] >= 1e9,
        "最新投后估值不低于 10 亿美元（独角兽）",
        "10–15 家",
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
        "拥有 I 类知识产权至少 1 项，且营业收入不低于 1 亿元、研发投入强度不低于 3%，"
        "或营业收入 5,000 万元至 1 亿元、研发投入强度不低于 6%",
        "至少 1 家（规划未给出数量）",
    ),
)


def _levels(
    session: Session, usccs: Sequence[str], *, on: dt.date, usd_cny: float
) -> dict[str, set[str]]:
    """uscc → the indicators of ``TARGETS`` each firm holds as of ``on``."""
    held: dict[str, set[str]] = {u: set() for u in usccs}
    if not usccs:
        return held
    frames = scoring_frames.load_scoring_frames(session, usccs, reference_date=on)
    indicators = scoring.derive_indicators(
        frames.firms, frames.filings, frames.funding_rounds, reference_date=on, usd_cny=usd_cny
    ).reindex(list(usccs))
    for target in TARGETS:
        hits = target.test(indicators).fillna(False).to_numpy(dtype=np.bool_)
        for uscc, hit in zip(usccs, hits, strict=True):
            if hit:
                held[uscc].add(target.indicator)
    return held


def baselines(
    session: Session, usccs: Sequence[str], *, on: dt.date, usd_cny: float
) -> dict[str, dict[str, Any]]:
    """Each firm's baseline as publication records it: the levels held as of ``on``."""
    return {
        uscc: {"as_of": on.isoformat(), "levels": sorted(levels)}
        for uscc, levels in _levels(session, usccs, on=on, usd_cny=usd_cny).items()
    }


def _years(start: dt.date, until: dt.date, day: dt.date) -> list[tuple[int, dt.date]]:
    """(year, reference date) of each validity year begun by ``day``."""
    last = until - dt.timedelta(days=1)
    return [
        (year, min(dt.date(year, 12, 31), day, last))
        for year in range(start.year, last.year + 1)
        if dt.date(year, 1, 1) <= day
    ]


def measure(
    session: Session, *, round_id: int, usd_cny: float, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Each published cohort's members newly reaching each level, per year, against its target."""
    selection_round = rounds_service.get_or_raise(session, round_id)
    rounds_service.require_state(selection_round, "published", doing="reporting KPIs")
    day = as_of or utcnow().date()
    members = list(
        session.execute(
            select(
                Membership.cohort,
                Membership.uscc,
                Membership.valid_from,
                Membership.valid_until,
                Membership.baseline,
            ).where(Membership.round_id == round_id)
        )
    )
    usccs = sorted(m.uscc for m in members)
    start = min((m.valid_from for m in members), default=day)
    until = max((m.valid_until for m in members), default=day)
    unrecorded = [m.uscc for m in members if m.baseline is None]  # published before 0005
    recomputed = baselines(session, unrecorded, on=start, usd_cny=usd_cny)
    baseline = {
        m.uscc: set((m.baseline or recomputed[m.uscc])["levels"]) for m in members
    }
    first_year: dict[tuple[str, str], int] = {}
    for year, reference in _years(start, until, day):
        for uscc, levels in _levels(session, usccs, on=reference, usd_cny=usd_cny).items():
            for level in levels - baseline[uscc]:
                first_year.setdefault((uscc, level), year)
    years = [year for year, _ in _years(start, until, day)]
    cohorts = []
    for cohort in COHORTS:
        in_cohort = sorted(m.uscc for m in members if m.cohort == cohort)
        targets = []
        for target in (t for t in TARGETS if t.cohort == cohort):
            reached = {
                u: first_year[(u, target.indicator)]
                for u in in_cohort
                if (u, target.indicator) in first_year
            }
            targets.append(
                {
                    "indicator": target.indicator,
                    "condition": target.condition,
                    "condition_zh": target.condition_zh,
                    "target": target.target,
                    "target_zh": target.target_zh,
                    "target_min": target.target_min,
                    "target_max": target.target_max,
                    "count": len(reached),
                    "met": len(reached) >= target.target_min,
                    "firms": sorted(reached),
                    "at_publication": sum(target.indicator in baseline[u] for u in in_cohort),
                    "by_year": {
                        str(year): sum(1 for y in reached.values() if y == year) for year in years
                    },
                }
            )
        cohorts.append({"cohort": cohort, "members": len(in_cohort), "targets": targets})
    return {"round_id": round_id, "as_of": day, "usd_cny": usd_cny, "cohorts": cohorts}
