"""Publication: the decided selection frozen, atomically, into an immutable membership snapshot."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service import audit
from service.errors import Conflict
from service.keys import Principal
from service.models import Decision, Firm, Membership, utcnow
from service.rounds import service as rounds_service
from service.webhooks import service as webhooks

__all__ = ["Publication", "publish", "years_later"]


def years_later(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class Publication:
    """What a publication froze."""

    round_id: int
    published_at: dt.datetime
    valid_from: dt.date
    valid_until: dt.date
    members: dict[str, int]


def publish(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    valid_from: dt.date | None,
    validity_years: int | None,
) -> Publication:
    """Freeze every ``select`` decision into memberships and mark the round published, in one
    transaction; a second publication is a 409 and decisions are read-only afterwards."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    if selection_round.state == "published":
        raise Conflict(
            f"Round {round_id} is already published; its membership is immutable.",
            extra={"state": "published"},
        )
    rounds_service.require_state(selection_round, "decided", doing="publishing")
    now = utcnow()
    start = valid_from or now.date()
    years = validity_years or selection_round.validity_years
    until = years_later(start, years)
    selected = session.execute(
        select(Decision.cohort, Decision.uscc, Firm.name, Firm.name_en)
        .join(Firm, Firm.uscc == Decision.uscc)
        .where(Decision.round_id == round_id, Decision.outcome == "select")
        .order_by(Decision.cohort, Decision.uscc)
    ).all()
    counts = Counter(cohort for cohort, *_ in selected)
    for cohort, count in counts.items():
        capacity = int(selection_round.capacities.get(cohort, 100))
        if count > capacity:  # decisions enforce it; a guard against data changed by hand
            raise Conflict(f"{count} firms are selected for {cohort!r}, over its {capacity}.")
    if selected:
        session.execute(
            insert(Membership),
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
                }
                for cohort, uscc, name, name_en in selected
            ],
        )
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
        },
    )
    webhooks.announce_publication(session, round_id, selected, valid_from=start, valid_until=until)
    return Publication(round_id, now, start, until, members)
