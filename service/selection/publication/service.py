"""Publication: the decided selection frozen, atomically, into an immutable membership snapshot.

A round is published from its notice period (``notice.service``), once the period has ended
and every objection is resolved; each new membership is an ``added`` change of the feed, and
each membership it closes an ``ended`` one.

On any date a firm is a current member of at most one cohort. A selected firm whose latest
membership has run out by the new start closes it as it stands; one still current is refused
(409 naming the membership) unless its decision says the firm moves, in which case the old
membership ends the day the new one starts. The database holds the rule too: a partial unique
index allows one open (not closed) membership per firm, so two publications racing for the
same firm cannot both commit; the loser gets the same 409.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import audit
from service.errors import Conflict
from service.keys import Principal
from service.models import Decision, Firm, Membership, utcnow
from service.rounds import service as rounds_service
from service.selection.kpis import service as kpis_service
from service.selection.membership import service as membership_service
from service.selection.notice import service as notice_service
from service.webhooks import service as webhooks_service

__all__ = ["Publication", "current_memberships", "membership_ref", "publish", "years_later"]


def years_later(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def membership_ref(membership: Membership) -> dict[str, Any]:
    """A membership named in an error or a change: id, cohort, round and validity."""
    return {
        "id": membership.id,
        "uscc": membership.uscc,
        "cohort": membership.cohort,
        "round_id": membership.round_id,
        "valid_from": membership.valid_from.isoformat(),
        "valid_until": membership.valid_until.isoformat(),
    }


def _open_memberships(session: Session, usccs: Collection[str]) -> dict[str, Membership]:
    """Each firm's open (not closed) membership, locked for the rest of the transaction."""
    if not usccs:
        return {}
    rows = session.scalars(
        select(Membership)
        .where(Membership.uscc.in_(sorted(set(usccs))), Membership.closed_on.is_(None))
        .with_for_update()
    )
    return {m.uscc: m for m in rows}


def current_memberships(
    session: Session, usccs: Collection[str], *, on: dt.date
) -> dict[str, Membership]:
    """uscc → the membership of each firm still valid on ``on`` or later (not closed)."""
    return {
        uscc: m for uscc, m in _open_memberships(session, usccs).items() if m.valid_until > on
    }


def _close_earlier(
    session: Session,
    selected: list[Any],
    *,
    round_id: int,
    start: dt.date,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Close each selected firm's earlier membership (ended, or moved from); 409 for one still
    current whose decision does not say the firm moves. Returns what was closed, and uscc → the
    membership each moving firm leaves."""
    closed: list[dict[str, Any]] = []
    held = _open_memberships(session, [row.uscc for row in selected])
    moved_from: dict[str, int] = {}
    for row in selected:
        old = held.get(row.uscc)
        if old is None:
            continue
        if old.valid_until <= start:
            old.closed_on = old.valid_until
            old.closed_kind = "ran-out"
            old.closed_reason = f"ran out before round {round_id} began a new membership"
        elif row.moves and old.valid_from < start:
            old.valid_until = start
            old.closed_on = start
            old.closed_kind = "moved"
            old.closed_reason = f"moved to {row.cohort!r} in round {round_id}"
            moved_from[row.uscc] = old.id
        else:
            raise Conflict(
                f"Firm {old.uscc} is a current member of {old.cohort!r} (round {old.round_id}, "
                f"valid {old.valid_from} to {old.valid_until}); its decision in round {round_id} "
                "does not say it moves, so it cannot also join "
                f"{row.cohort!r} from {start}.",
                extra={"membership": membership_ref(old)},
            )
        closed.append({**membership_ref(old), "closed_reason": old.closed_reason})
    session.flush()  # closed before the new rows go in: the open-membership index sees one
    membership_service.record_ended(session, [held[c["uscc"]] for c in closed])
    return closed, moved_from


@dataclass(frozen=True, slots=True)
class Publication:
    """What a publication froze."""

    round_id: int
    published_at: dt.datetime
    valid_from: dt.date
    valid_until: dt.date
    members: dict[str, int]
    closed: list[dict[str, Any]]


def publish(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    valid_from: dt.date | None,
    validity_years: int | None,
    usd_cny: float,
) -> Publication:
    """Freeze every ``select`` decision into memberships, each with its KPI baseline as of the
    start, and mark the round published, in one transaction; a second publication is a 409 and
    decisions are read-only afterwards."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    if selection_round.state == "published":
        raise Conflict(
            f"Round {round_id} is already published; its membership is immutable.",
            extra={"state": "published"},
        )
    rounds_service.require_state(selection_round, "notice", doing="publishing")
    now = utcnow()
    notice_service.blockers(session, selection_round, today=now.date())
    start = valid_from or now.date()
    years = validity_years or selection_round.validity_years
    until = years_later(start, years)
    selected = session.execute(
        select(Decision.cohort, Decision.uscc, Firm.name, Firm.name_en, Decision.moves)
        .join(Firm, Firm.uscc == Decision.uscc)
        .where(Decision.round_id == round_id, Decision.outcome == "select")
        .order_by(Decision.cohort, Decision.uscc)
    ).all()
    counts = Counter(cohort for cohort, *_ in selected)
    for cohort, count in counts.items():
        capacity = rounds_service.capacity(selection_round, cohort)
        if count > capacity:  # decisions enforce it; a guard against data changed by hand
            raise Conflict(f"{count} firms are selected for {cohort!r}, over its {capacity}.")
    closed, moved_from = _close_earlier(session, list(selected), round_id=round_id, start=start)
    baselines = kpis_service.baselines(
        session, [row.uscc for row in selected], on=start, usd_cny=usd_cny
    )
    if selected:
        _insert_members(
            session,
            [
                {
                    "round_id": round_id,
                    "cohort": cohort,
                    "uscc": uscc,
                    "name": name,
                    "name_en": name_en,
                    "valid_from": start,
                    "valid_until": until,
                    "published_at": now,
                    "baseline": baselines[uscc],
                    "replaces_id": moved_from.get(uscc),
                }
                for cohort, uscc, name, name_en, _moves in selected
            ],
        )
    membership_service.record_added(session, round_id=round_id)
    selection_round.state = "published"
    selection_round.updated_at = now
    session.flush()
    members = {cohort: counts.get(cohort, 0) for cohort in sorted(selection_round.capacities)}
    audit.record(
        session,
        principal,
        action="round.publish",
        target_type="round",
        target_id=round_id,
        detail={
            "valid_from": start.isoformat(),
            "valid_until": until.isoformat(),
            "members": members,
            "closed": closed,
        },
    )
    webhooks_service.announce_publication(
        session,
        round_id,
        [(cohort, uscc, name, name_en) for cohort, uscc, name, name_en, _moves in selected],
        valid_from=start,
        valid_until=until,
    )
    return Publication(round_id, now, start, until, members, closed)


def _insert_members(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the new memberships; a concurrent publication of one of the firms is a 409."""
    try:
        session.execute(insert(Membership), rows)
    except IntegrityError as exc:
        raise Conflict(
            "Another publication made one of these firms a current member meanwhile; a firm is "
            "a current member of one cohort at a time. Publish again to see which.",
        ) from exc
