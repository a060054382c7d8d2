"""Moving a round through its states: open → scoring → decided (→ notice by its own endpoint,
→ published by publication).

``decided`` → ``scoring`` reopens the committee's work before the notice; nothing moves a round
back to ``open`` (its nominations are frozen once scoring starts), out of its notice period
(upheld objections change the list instead) or out of ``published``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service import audit
from service.errors import Conflict
from service.keys import Principal
from service.models import SelectionRound, utcnow
from service.rounds import service as rounds_service
from service.webhooks import service as webhooks_service

__all__ = ["ALLOWED", "change_state"]

ALLOWED: dict[str, frozenset[str]] = {
    "open": frozenset({"scoring"}),
    "scoring": frozenset({"decided"}),
    "decided": frozenset({"scoring"}),
    "notice": frozenset(),
    "published": frozenset(),
}


def change_state(
    session: Session, principal: Principal, *, round_id: int, state: str, reason: str | None
) -> SelectionRound:
    """Move the round to ``state`` if its current state allows it, else a 409 naming both."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    before = selection_round.state
    if before == state:
        return selection_round
    if state not in ALLOWED[before]:
        allowed = ", ".join(sorted(ALLOWED[before])) or "no other state by this endpoint"
        raise Conflict(
            f"Round {round_id} is {before!r}; it can move to {allowed}, not {state!r}.",
            extra={"state": before},
        )
    selection_round.state = state
    selection_round.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        principal,
        action="round.state",
        target_type="round",
        target_id=round_id,
        detail={"from": before, "to": state},
        reason=reason,
    )
    webhooks_service.enqueue(
        session, "round.state_changed", {"round_id": round_id, "from": before, "to": state}
    )
    return selection_round
