"""Load the SYNTHETIC demo data: firms, filings, funding rounds, an open demo round with a
panel of reviewer profiles assigned to its nominations, and a past round published after its
public notice (``demo_notice``); ``train_demo_model`` then trains the growth model on those
records (the registry source), backtests it and activates it.

The demo round's nominations go through the real intake path (a CSV in the column contract),
so ``make run`` shows a stored batch exactly as an officer's upload would leave it; the
assignment is solved by the same use case as ``POST …/cohorts/{cohort}/assignments``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import seed_data.schemes
from schemas.reviewers import AssignRequest, ReviewerIn
from scoring.growth.labels import REGISTRY_LABEL, REGISTRY_SOURCE
from scoring.growth.progress import Progress
from scoring.vocabulary import COHORTS, FILING_FIELDS, SECTORS
from seed_data.demo import DemoData, candidate_rows, load
from service import demo_notice
from service.access import Role
from service.firms import service as firms_service
from service.firms.service import FIGURES, PROFILE_FIELDS
from service.growth import service as growth_service
from service.keys import Principal
from service.models import GrowthModel, Reviewer, SelectionRound, utcnow
from service.nominations import service as nominations_service
from service.reviewers import service as reviewers_service
from service.schemes import service as schemes_service
from service.selection.assignments import service as assignments_service
from service.settings import Settings

__all__ = ["DEMO_MODEL_KIND", "DEMO_REVIEWER_PREFIX", "DEMO_ROUND_NAME", "load_demo",
           "train_demo_model"]

DEMO_ROUND_NAME = "Demo round 2026 (SYNTHETIC data)"
DEMO_REVIEWER_PREFIX = "Demo reviewer"
_DEMO_PANEL = 12
_REVIEWERS_PER_NOMINATION = 3
_PRINCIPAL = Principal(key_id=None, label="cli:seed-demo", role=Role.ADMIN)
# The logistic kind: the demo's model trains in seconds, not minutes (``make run`` waits for it).
DEMO_MODEL_KIND = "logistic"


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts with None for missing values."""
    subset = frame.loc[:, columns].astype(object)
    return subset.where(subset.notna(), None).to_dict("records")  # type: ignore[return-value]


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


def load_demo(
    session: Session, *, with_round: bool = True, data: DemoData | None = None
) -> dict[str, int]:
    """Upsert the demo data and the bundled schemes (safe to run twice); open, once, a demo
    round nominating every firm."""
    data = data or load()
    schemes_service.store_bundled(session, seed_data.schemes.load_every_bundled_version())
    now = utcnow()
    firms = _records(data.firms, ["uscc", *PROFILE_FIELDS, "region"])
    for row in firms:
        row.update(founded_on=_as_date(row["founded_on"]), listed=bool(row["listed"]))
    firms_service.store_profiles(session, firms, now=now)
    filings = _records(data.filings, ["uscc", "fiscal_year", *FIGURES])
    for row in filings:
        row["fiscal_year"] = int(row["fiscal_year"])
        for field in FILING_FIELDS:
            if field.kind == "count" and row[field.name] is not None:
                row[field.name] = int(row[field.name])
    firms_service.store_filings(session, filings, batch_id=None, now=now)
    rounds = _records(
        data.funding_rounds, ["uscc", "announced_on", "stage", "amount", "post_money_valuation"]
    )
    for row in rounds:
        row["announced_on"] = _as_date(row["announced_on"])
    firms_service.store_funding_rounds(session, rounds, batch_id=None, now=now)
    summary = {"firms": len(firms), "filings": len(filings), "funding_rounds": len(rounds)}
    if with_round:
        summary["demo_round_nominations"] = _open_demo_round(session, data)
        summary["demo_reviewers"] = _demo_panel(session, data)
        summary["demo_assignments"] = _assign_demo_round(session)
        summary |= demo_notice.load_notice_round(
            session, _PRINCIPAL, data, usd_cny=Settings.model_fields["usd_cny"].default
        )
    return summary


def train_demo_model(
    session: Session, *, trained_on: dt.date, progress: Progress | None = None
) -> str | None:
    """Once (while no registry model is stored): backtest and train a growth model on the
    stored SYNTHETIC records, store it and activate it; its id, or None when one exists."""
    existing = session.scalars(
        select(GrowthModel.id).where(GrowthModel.source == REGISTRY_SOURCE).limit(1)
    ).first()
    if existing is not None:
        return None
    trained = growth_service.train_with_backtest(
        REGISTRY_SOURCE,
        label=REGISTRY_LABEL,
        kind=DEMO_MODEL_KIND,
        trained_on=trained_on,
        registry=growth_service.load_registry(session),
        progress=progress,
    )
    model = growth_service.store(
        session, _PRINCIPAL, trained=trained, label="demo: registry model (SYNTHETIC data)"
    )
    growth_service.activate(session, _PRINCIPAL, model_id=model.id)
    return model.id


def _demo_panel(session: Session, data: DemoData) -> int:
    """Twelve SYNTHETIC reviewer profiles, once: sectors in turn, one affiliated to a demo firm."""
    existing = session.scalars(
        select(Reviewer).where(Reviewer.name.startswith(DEMO_REVIEWER_PREFIX))
    ).all()
    if existing:
        return 0
    codes = [s.code for s in SECTORS if s.code != "other"]
    for i in range(_DEMO_PANEL):
        reviewers_service.create(
            session,
            _PRINCIPAL,
            data=ReviewerIn(
                name=f"{DEMO_REVIEWER_PREFIX} {i + 1} (SYNTHETIC)",
                sectors=[codes[(3 * i + j) % len(codes)] for j in range(3)],
                affiliations=[str(data.firms["uscc"].iloc[i])] if i % 4 == 0 else [],
                notes="SYNTHETIC demo profile",
            ),
        )
    return _DEMO_PANEL


def _assign_demo_round(session: Session) -> int:
    """Solve the demo round's assignment for every cohort, once (while nothing is assigned)."""
    demo_round = session.scalars(
        select(SelectionRound).where(SelectionRound.name == DEMO_ROUND_NAME)
    ).first()
    if demo_round is None or demo_round.state not in ("open", "scoring"):
        return 0
    if assignments_service.list_assignments(session, _PRINCIPAL, round_id=demo_round.id):
        return 0
    request = AssignRequest(reviewers_per_nomination=_REVIEWERS_PER_NOMINATION)
    return sum(
        len(
            assignments_service.assign_cohort(
                session, _PRINCIPAL, round_id=demo_round.id, cohort=cohort, request=request
            )
        )
        for cohort in COHORTS
    )


def _open_demo_round(session: Session, data: DemoData) -> int:
    """Open the demo round and nominate every demo firm through the CSV intake path, once."""
    existing = session.scalars(
        select(SelectionRound).where(SelectionRound.name == DEMO_ROUND_NAME)
    ).first()
    if existing is not None:
        return 0
    demo_round = SelectionRound(
        name=DEMO_ROUND_NAME,
        year=2026,
        reference_date=dt.date(2026, 6, 30),
        capacities={"leader": 100, "hidden-champion": 100, "seed": 100},
        validity_years=3,
        state="open",
    )
    session.add(demo_round)
    session.flush()
    payload = candidate_rows(data).to_csv(index=False).encode("utf-8")
    report = nominations_service.store_csv_in_session(
        session, _PRINCIPAL, round_id=demo_round.id, payload=payload, filename="demo-candidates.csv"
    )
    return report.nominations_created
