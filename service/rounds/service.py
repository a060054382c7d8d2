"""Selection-round use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.rounds import DEFAULT_CAPACITY, RoundIn
from service import audit, pagination
from service.errors import Conflict, NotFound
from service.keys import Principal
from service.models import SelectionRound

__all__ = ["capacity", "create", "get_or_raise", "list_rounds", "require_state"]


def create(session: Session, principal: Principal, *, data: RoundIn) -> SelectionRound:
    """Open a new round."""
    selection_round = SelectionRound(
        name=data.name,
        year=data.year,
        reference_date=data.reference_date,
        capacities=data.capacities,
        validity_years=data.validity_years,
        notice_days=data.notice_days,
        state="open",
    )
    session.add(selection_round)
    session.flush()
    audit.record(
        session,
        principal,
        action="round.create",
        target_type="round",
        target_id=selection_round.id,
        detail={**data.model_dump(mode="json")},
    )
    return selection_round


def get_or_raise(session: Session, round_id: int, *, for_update: bool = False) -> SelectionRound:
    """The round with ``round_id``, or a 404."""
    selection_round = session.get(SelectionRound, round_id, with_for_update=for_update)
    if selection_round is None:
        raise NotFound(f"No selection round has id {round_id}.")
    return selection_round


def capacity(selection_round: SelectionRound, cohort: str) -> int:
    """How many firms the round selects at most for ``cohort``."""
    return int(selection_round.capacities.get(cohort, DEFAULT_CAPACITY))


def require_state(selection_round: SelectionRound, *states: str, doing: str) -> None:
    """A 409 that names the round's state when ``doing`` is not allowed in it."""
    if selection_round.state not in states:
        allowed = " or ".join(states)
        raise Conflict(
            f"Round {selection_round.id} is {selection_round.state!r}; {doing} needs it {allowed}.",
            extra={"state": selection_round.state},
        )


def list_rounds(session: Session, *, after_id: int | None, limit: int) -> list[SelectionRound]:
    """Rounds, newest first."""
    query = pagination.keyset(
        select(SelectionRound), SelectionRound.id, after=after_id, limit=limit, newest_first=True
    )
    return list(session.scalars(query))
