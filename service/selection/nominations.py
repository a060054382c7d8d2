"""Looking up a round's nominations for the selection use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.models import Nomination

__all__ = ["cohort_nominations", "get_nomination_or_raise"]


def get_nomination_or_raise(session: Session, *, round_id: int, nomination_id: int) -> Nomination:
    """The nomination of this round, or a 404."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.round_id != round_id:
        raise NotFound(f"Round {round_id} has no nomination {nomination_id}.")
    return nomination


def cohort_nominations(session: Session, *, round_id: int, cohort: str) -> dict[str, int]:
    """uscc → nomination id of every firm nominated for ``cohort`` in the round."""
    rows = session.execute(
        select(Nomination.uscc, Nomination.id).where(
            Nomination.round_id == round_id, Nomination.cohort == cohort
        )
    )
    return {uscc: nomination_id for uscc, nomination_id in rows}
