"""HTTP route of a round's state changes."""

from __future__ import annotations

from fastapi import APIRouter

from schemas.rounds import RoundOut
from schemas.selection import RoundStateIn
from service.deps import PrincipalDep, SessionDep
from service.params import IdPath
from service.selection.transitions import service

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.post(
    "/v1/rounds/{round_id}/state",
    response_model=RoundOut,
    summary="Move a round to scoring or decided",
)
def post_state(
    round_id: IdPath, data: RoundStateIn, session: SessionDep, principal: PrincipalDep
) -> RoundOut:
    """``open`` → ``scoring`` (nominations close) → ``decided``; ``decided`` → ``scoring``
    reopens decisions. Publishing is ``POST /v1/rounds/{round_id}/publish``. 409 otherwise."""
    selection_round = service.change_state(
        session, principal, round_id=round_id, state=data.state, reason=data.reason
    )
    return RoundOut.model_validate(selection_round, from_attributes=True)
