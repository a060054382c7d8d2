"""Published membership for the tracking app: by cohort, by firm, and a changes feed.

Memberships are immutable and only ever added, so a membership's id doubles as the sequence
number of the changes feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Membership

__all__ = ["list_changes", "list_firm_memberships", "list_members", "member_dict"]


def member_dict(m: Membership) -> dict[str, Any]:
    """The tracker's view of a membership: no scores, ratings or reasons."""
    return {
        "uscc": m.uscc,
        "name": m.name,
        "name_en": m.name_en,
        "cohort": m.cohort,
        "round_id": m.round_id,
        "valid_from": m.valid_from.isoformat(),
        "valid_until": m.valid_until.isoformat(),
    }


def list_members(
    session: Session,
    *,
    cohort: str,
    round_id: int | None,
    on: dt.date,
    after_id: int | None,
    limit: int,
) -> list[Membership]:
    """A cohort's members of one round, or (no round) those valid on ``on``, in id order."""
    query = select(Membership).where(Membership.cohort == cohort).order_by(Membership.id)
    if round_id is not None:
        query = query.where(Membership.round_id == round_id)
    else:
        query = query.where(Membership.valid_from <= on, Membership.valid_until > on)
    if after_id is not None:
        query = query.where(Membership.id > after_id)
    return list(session.scalars(query.limit(limit)))


def list_firm_memberships(session: Session, *, uscc: str) -> list[Membership]:
    """Every published membership of a firm, oldest first."""
    return list(
        session.scalars(select(Membership).where(Membership.uscc == uscc).order_by(Membership.id))
    )


def list_changes(session: Session, *, after_seq: int, limit: int) -> list[Membership]:
    """Memberships published after sequence number ``after_seq``."""
    return list(
        session.scalars(
            select(Membership).where(Membership.id > after_seq).order_by(Membership.id).limit(limit)
        )
    )
