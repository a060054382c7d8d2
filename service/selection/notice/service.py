"""The public notice period (公示): the proposed list shown to anyone, objections, resolutions.

``decided → notice`` opens it for a number of calendar days (today included); decisions are
frozen meanwhile (they need ``scoring`` or ``decided``). Anyone may object to a proposed firm
while the period runs; the programme office dismisses or upholds each objection. Upholding
turns the firm's decision into ``reject`` and offers the next waitlisted firm of its cohort by
rank; promoting that firm is a separate, explicit decision. Publication waits for the period's
end and for every objection to be resolved (``publication.service`` asks ``blockers``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schemas.notice import NoticeIn, ObjectionIn, PromotionIn, ResolutionIn
from service import audit, pagination
from service.access import Role
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import Decision, Firm, Objection, SelectionRound, utcnow
from service.rounds import service as rounds_service
from service.selection.rendered import Rendered, render
from service.webhooks import service as webhooks

__all__ = [
    "Resolution",
    "blockers",
    "file_objection",
    "list_objections",
    "notice",
    "notice_document",
    "open_notice",
    "promote",
    "resolve",
]

# Who files an objection: the public, named in the audit trail by the address it came from.
_PUBLIC_ROLE = Role.TRACKER  # the least-privileged role; the principal is never authorised


def _public(client_address: str) -> Principal:
    return Principal(key_id=None, label=f"public:{client_address}", role=_PUBLIC_ROLE)


def open_notice(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    data: NoticeIn,
    today: dt.date,
    default_days: int,
) -> SelectionRound:
    """Move a decided round into its notice period, ending on ``ends_on`` or after ``days``."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, "decided", doing="opening the notice period")
    if data.ends_on is not None and data.days is not None:
        raise ValidationFailed(
            "Give the notice period's end date or its length in days, not both.",
            errors=[{"loc": ["body", "days"], "message": "not with ends_on"}],
        )
    days = data.days or selection_round.notice_days or default_days
    ends_on = data.ends_on or today + dt.timedelta(days=days - 1)
    if ends_on < today:
        raise ValidationFailed(
            f"The notice period cannot end ({ends_on}) before it starts ({today}).",
            errors=[{"loc": ["body", "ends_on"], "message": f"before today, {today}"}],
        )
    selection_round.state = "notice"
    selection_round.notice_starts_on = today
    selection_round.notice_ends_on = ends_on
    selection_round.updated_at = utcnow()
    session.flush()
    period = {"starts_on": today.isoformat(), "ends_on": ends_on.isoformat()}
    audit.record(
        session,
        principal,
        action="round.notice",
        target_type="round",
        target_id=round_id,
        detail=period,
    )
    webhooks.enqueue(
        session, "round.state_changed", {"round_id": round_id, "from": "decided", "to": "notice"}
    )
    webhooks.enqueue(session, "notice.opened", {"round_id": round_id, **period})
    return selection_round


def _shown_round(session: Session, round_id: int) -> SelectionRound:
    """The round, if its notice has been opened (a 404 otherwise: nothing is public yet)."""
    selection_round = session.get(SelectionRound, round_id)
    if selection_round is None or selection_round.notice_ends_on is None:
        raise NotFound(f"Round {round_id} has no public notice.")
    return selection_round


def notice_document(session: Session, *, round_id: int) -> Rendered:
    """The public notice as the API serves it (see ``notice``)."""
    return render(notice(session, round_id=round_id))


def notice(session: Session, *, round_id: int) -> dict[str, Any]:
    """The public notice: the period, and per cohort the proposed firms' USCC, name and cohort
    (no scores, ranks or reviews), in USCC order."""
    selection_round = _shown_round(session, round_id)
    rows = session.execute(
        select(Decision.cohort, Decision.uscc, Firm.name)
        .join(Firm, Firm.uscc == Decision.uscc)
        .where(Decision.round_id == round_id, Decision.outcome == "select")
        .order_by(Decision.cohort, Decision.uscc)
    )
    cohorts: dict[str, list[dict[str, str]]] = {c: [] for c in sorted(selection_round.capacities)}
    for cohort, uscc, name in rows:
        cohorts.setdefault(cohort, []).append({"uscc": uscc, "name": name, "cohort": cohort})
    return {
        "round_id": round_id,
        "round_name": selection_round.name,
        "state": "published" if selection_round.state == "published" else "notice",
        "starts_on": selection_round.notice_starts_on,
        "ends_on": selection_round.notice_ends_on,
        "cohorts": [{"cohort": c, "firms": firms} for c, firms in cohorts.items()],
    }


def file_objection(
    session: Session, *, round_id: int, data: ObjectionIn, client_address: str, today: dt.date
) -> Objection:
    """Store an objection verbatim against a proposed firm while the notice period runs."""
    selection_round = _shown_round(session, round_id)
    ends_on = selection_round.notice_ends_on
    if selection_round.state != "notice" or ends_on is None or today > ends_on:
        raise Conflict(
            f"Round {round_id}'s notice period ended on {selection_round.notice_ends_on}; "
            "objections are no longer taken.",
            extra={"ends_on": str(selection_round.notice_ends_on)},
        )
    cohort = session.scalar(
        select(Decision.cohort).where(
            Decision.round_id == round_id, Decision.uscc == data.uscc, Decision.outcome == "select"
        )
    )
    if cohort is None:
        raise ValidationFailed(
            f"Firm {data.uscc} is not on round {round_id}'s proposed list.",
            errors=[{"loc": ["body", "uscc"], "message": "not on the proposed list"}],
        )
    objection = Objection(
        round_id=round_id,
        uscc=data.uscc,
        cohort=cohort,
        grounds=data.grounds,
        contact=data.contact,
        client_address=client_address[:64],
        state="pending",
    )
    session.add(objection)
    session.flush()
    audit.record(
        session,
        _public(client_address),
        action="objection.file",
        target_type="objection",
        target_id=objection.id,
        detail={"round_id": round_id, "uscc": data.uscc, "cohort": cohort},
    )
    webhooks.enqueue(
        session,
        "objection.filed",
        {"objection_id": objection.id, "round_id": round_id, "uscc": data.uscc, "cohort": cohort},
    )
    return objection


def list_objections(
    session: Session, *, round_id: int, after_id: int | None, limit: int
) -> list[Objection]:
    """A round's objections, oldest first."""
    rounds_service.get_or_raise(session, round_id)
    query = pagination.keyset(
        select(Objection).where(Objection.round_id == round_id),
        Objection.id,
        after=after_id,
        limit=limit,
    )
    return list(session.scalars(query))


def _objection_or_raise(session: Session, round_id: int, objection_id: int) -> Objection:
    objection = session.get(Objection, objection_id, with_for_update=True)
    if objection is None or objection.round_id != round_id:
        raise NotFound(f"Round {round_id} has no objection {objection_id}.")
    return objection


def _decision(session: Session, round_id: int, uscc: str) -> Decision:
    decision = session.scalar(
        select(Decision).where(Decision.round_id == round_id, Decision.uscc == uscc)
    )
    if decision is None:  # the objection was filed against a decided firm
        raise NotFound(f"Round {round_id} has no decision on firm {uscc}.")
    return decision


def _next_waitlisted(session: Session, round_id: int, cohort: str) -> dict[str, Any] | None:
    """The cohort's best-ranked waitlisted firm, if any."""
    row = session.execute(
        select(Decision.uscc, Firm.name, Decision.cohort, Decision.rank_at_decision)
        .join(Firm, Firm.uscc == Decision.uscc)
        .where(
            Decision.round_id == round_id,
            Decision.cohort == cohort,
            Decision.outcome == "waitlist",
        )
        .order_by(Decision.rank_at_decision.is_(None), Decision.rank_at_decision, Decision.uscc)
        .limit(1)
    ).first()
    return None if row is None else dict(row._mapping)


class Resolution:
    """A resolved objection and the firm offered its place (when upheld)."""

    __slots__ = ("objection", "offered")

    def __init__(self, objection: Objection, offered: dict[str, Any] | None) -> None:
        self.objection = objection
        self.offered = offered


def resolve(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    objection_id: int,
    data: ResolutionIn,
) -> Resolution:
    """Dismiss or uphold a pending objection; upholding rejects the firm and offers its place to
    the next waitlisted firm of the cohort by rank."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, "notice", doing="resolving objections")
    objection = _objection_or_raise(session, round_id, objection_id)
    if objection.state != "pending":
        raise Conflict(
            f"Objection {objection_id} is already {objection.state}.",
            extra={"objection_state": objection.state},
        )
    now = utcnow()
    objection.state = "upheld" if data.outcome == "uphold" else "dismissed"
    objection.resolution_reason = data.reason
    objection.resolved_by = principal.label
    objection.resolved_at = now
    offered = None
    if data.outcome == "uphold":
        decision = _decision(session, round_id, objection.uscc)
        if decision.outcome == "select":
            decision.outcome = "reject"
            decision.override = True
            decision.reason = f"objection {objection_id} upheld: {data.reason}"
            decision.decided_by = principal.label
            decision.updated_at = now
        offered = _next_waitlisted(session, round_id, objection.cohort)
    session.flush()
    audit.record(
        session,
        principal,
        action=f"objection.{data.outcome}",
        target_type="objection",
        target_id=objection_id,
        detail={"round_id": round_id, "uscc": objection.uscc, "offered": offered},
        reason=data.reason,
    )
    return Resolution(objection, offered)


def promote(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    objection_id: int,
    data: PromotionIn,
) -> Decision:
    """Select a waitlisted firm of the upheld objection's cohort into the freed place."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, "notice", doing="promoting a waitlisted firm")
    objection = _objection_or_raise(session, round_id, objection_id)
    if objection.state != "upheld" or objection.promoted_uscc is not None:
        taken = objection.promoted_uscc
        done = f", and firm {taken} took its place" if taken else ""
        raise Conflict(
            f"Objection {objection_id} is {objection.state}{done}; only an upheld objection frees "
            "one place, once.",
            extra={"objection_state": objection.state},
        )
    decision = _decision(session, round_id, data.uscc)
    if decision.cohort != objection.cohort or decision.outcome != "waitlist":
        raise ValidationFailed(
            f"Firm {data.uscc} is not waitlisted for {objection.cohort!r} in round {round_id}.",
            errors=[{"loc": ["body", "uscc"], "message": "not waitlisted for that cohort"}],
        )
    selected = session.scalar(
        select(func.count())
        .select_from(Decision)
        .where(
            Decision.round_id == round_id,
            Decision.cohort == objection.cohort,
            Decision.outcome == "select",
        )
    )
    capacity = rounds_service.capacity(selection_round, objection.cohort)
    if int(selected or 0) >= capacity:
        raise Conflict(f"{objection.cohort!r} already has {selected} of {capacity} places taken.")
    decision.outcome = "select"
    decision.override = True
    decision.reason = f"promoted after objection {objection_id}: {data.reason}"
    decision.decided_by = principal.label
    decision.updated_at = utcnow()
    objection.promoted_uscc = data.uscc
    session.flush()
    audit.record(
        session,
        principal,
        action="decision.promote",
        target_type="decision",
        target_id=decision.id,
        detail={"round_id": round_id, "uscc": data.uscc, "objection_id": objection_id},
        reason=data.reason,
    )
    return decision


def blockers(session: Session, selection_round: SelectionRound, *, today: dt.date) -> None:
    """A 409 saying why the round cannot be published yet: its notice period has not ended, or
    objections are unresolved (listed by id)."""
    ends_on = selection_round.notice_ends_on
    if ends_on is not None and today <= ends_on:
        raise Conflict(
            f"Round {selection_round.id}'s notice period runs until {ends_on}; publish from "
            f"{ends_on + dt.timedelta(days=1)}.",
            extra={"notice_ends_on": ends_on.isoformat()},
        )
    pending = list(
        session.scalars(
            select(Objection.id)
            .where(Objection.round_id == selection_round.id, Objection.state == "pending")
            .order_by(Objection.id)
        )
    )
    if pending:
        raise Conflict(
            f"Round {selection_round.id} has {len(pending)} unresolved objection(s): "
            f"{', '.join(map(str, pending[:20]))}; resolve each before publishing.",
            extra={"unresolved_objections": pending},
        )
