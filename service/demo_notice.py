"""The SYNTHETIC demo's past round that went through its public notice (公示): scored, decided,
objected to (one objection dismissed, one upheld and its place given to the next waitlisted
firm), then published, all through the same use cases as the API.

The round is history by the time the demo runs, so its notice period is dated in the past:
opened as the API opens it, then its dates moved back by the length of the period, as if the
days had passed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.notice import NoticeIn, ObjectionIn, PromotionIn, ResolutionIn
from schemas.selection import DecisionIn, ScoreRunIn
from seed_data.demo import DemoData, candidate_rows
from service.keys import Principal
from service.models import ScoreResultRow, SelectionRound, utcnow
from service.nominations import service as nominations_service
from service.rounds import service as rounds_service
from service.selection.decisions import service as decisions_service
from service.selection.notice import service as notice_service
from service.selection.publication import service as publication_service
from service.selection.runs import service as runs_service
from service.selection.transitions import service as transitions_service

__all__ = ["NOTICE_ROUND_NAME", "load_notice_round"]

NOTICE_ROUND_NAME = "Notice demo round 2025 (SYNTHETIC data)"
_FIRMS = 24
_CAPACITY = 8
_WAITLIST = 4
_NOTICE_DAYS = 7


def load_notice_round(
    session: Session, principal: Principal, data: DemoData, *, usd_cny: float
) -> dict[str, int]:
    """Create the published notice round once; what it holds (empty when it exists already)."""
    if session.scalar(select(SelectionRound.id).where(SelectionRound.name == NOTICE_ROUND_NAME)):
        return {}
    round_id = _nominated_round(session, principal, data)
    transitions_service.change_state(
        session, principal, round_id=round_id, state="scoring", reason=None
    )
    run = runs_service.create(
        session,
        principal,
        round_id=round_id,
        cohort="seed",
        options=ScoreRunIn(sensitivity_draws=20),
        usd_cny=usd_cny,
    )
    ranked = list(
        session.scalars(
            select(ScoreResultRow)
            .where(ScoreResultRow.run_id == run.id, ScoreResultRow.rank.is_not(None))
            .order_by(ScoreResultRow.rank)
        )
    )
    inside = [r for r in ranked if r.within_capacity]
    waitlist = [r for r in ranked if not r.within_capacity][:_WAITLIST]
    decisions_service.record(
        session,
        principal,
        round_id=round_id,
        cohort="seed",
        # Nobody rated this SYNTHETIC round, so each selection states why (complete ratings).
        decisions=[
            DecisionIn(
                nomination_id=r.nomination_id,
                outcome="select",
                reason="selected on the criteria before the panel's ratings (demo)",
            )
            for r in inside
        ]
        + [DecisionIn(nomination_id=r.nomination_id, outcome="waitlist") for r in waitlist],
    )
    transitions_service.change_state(
        session, principal, round_id=round_id, state="decided", reason=None
    )
    today = utcnow().date()
    notice_service.open_notice(
        session,
        principal,
        round_id=round_id,
        data=NoticeIn(days=_NOTICE_DAYS),
        today=today,
        default_days=_NOTICE_DAYS,
    )
    dismissed, upheld = (
        notice_service.file_objection(
            session,
            round_id=round_id,
            data=ObjectionIn(uscc=row.uscc, grounds=grounds, contact="SYNTHETIC 010-0000-0000"),
            client_address="192.0.2.1",  # TEST-NET-1: a documentation address
            today=today,
        )
        for row, grounds in (
            (inside[0], "该企业研发投入数据存疑。(SYNTHETIC)"),
            (inside[1], "该企业注册地不在海淀区。(SYNTHETIC)"),
        )
    )
    notice_service.resolve(
        session,
        principal,
        round_id=round_id,
        objection_id=dismissed.id,
        data=ResolutionIn(outcome="dismiss", reason="核查研发费用明细，数据属实。(SYNTHETIC)"),
    )
    resolution = notice_service.resolve(
        session,
        principal,
        round_id=round_id,
        objection_id=upheld.id,
        data=ResolutionIn(outcome="uphold", reason="经核实注册地变更，不符合条件。(SYNTHETIC)"),
    )
    if resolution.offered is not None:
        notice_service.promote(
            session,
            principal,
            round_id=round_id,
            objection_id=upheld.id,
            data=PromotionIn(
                uscc=resolution.offered["uscc"], reason="按排名递补候补第一名。(SYNTHETIC)"
            ),
        )
    _as_if_the_days_had_passed(session, round_id)
    published = publication_service.publish(
        session,
        principal,
        round_id=round_id,
        valid_from=dt.date(2025, 12, 1),
        validity_years=None,
        usd_cny=usd_cny,
    )
    return {"notice_round_members": sum(published.members.values()), "objections": 2}


def _nominated_round(session: Session, principal: Principal, data: DemoData) -> int:
    """The round, with the first seed-stage demo firms nominated through the CSV intake."""
    selection_round = SelectionRound(
        name=NOTICE_ROUND_NAME,
        year=2025,
        reference_date=dt.date(2025, 6, 30),
        capacities={"leader": _CAPACITY, "hidden-champion": _CAPACITY, "seed": _CAPACITY},
        validity_years=3,
        state="open",
    )
    session.add(selection_round)
    session.flush()
    rows = candidate_rows(data)
    seed_firms = rows.loc[rows["cohort"] == "seed", "uscc"].drop_duplicates().head(_FIRMS)
    payload = rows[rows["uscc"].isin(seed_firms)].to_csv(index=False).encode("utf-8")
    nominations_service.store_csv_in_session(
        session,
        principal,
        round_id=selection_round.id,
        payload=payload,
        filename="notice-demo-candidates.csv",
    )
    return selection_round.id


def _as_if_the_days_had_passed(session: Session, round_id: int) -> None:
    """Move the notice period back so that it ended yesterday."""
    selection_round = rounds_service.get_or_raise(session, round_id)
    today = utcnow().date()
    shift = (selection_round.notice_ends_on or today) - today + dt.timedelta(days=1)
    selection_round.notice_ends_on = (selection_round.notice_ends_on or today) - shift
    selection_round.notice_starts_on = (selection_round.notice_starts_on or today) - shift
    session.flush()
