"""HTTP routes of a round's state changes and its publication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from schemas.rounds import RoundOut
from schemas.selection import PublicationOut, PublishIn, RoundStateIn
from service.deps import PrincipalDep, SessionDep
from service.rounds.views import RoundIdPath
from service.selection.publication import service as publication
from service.selection.transitions import service as transitions

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.post(
    "/v1/rounds/{round_id}/state",
    response_model=RoundOut,
    summary="Move a round to scoring or decided",
)
def post_state(
    round_id: RoundIdPath, data: RoundStateIn, session: SessionDep, principal: PrincipalDep
) -> RoundOut:
    """``open`` → ``scoring`` (nominations close) → ``decided``; ``decided`` → ``scoring``
    reopens decisions. Publishing is ``POST /v1/rounds/{round_id}/publish``. 409 otherwise."""
    selection_round = transitions.change_state(
        session, principal, round_id=round_id, state=data.state, reason=data.reason
    )
    return RoundOut.model_validate(selection_round, from_attributes=True)


@router.post(
    "/v1/rounds/{round_id}/publish",
    response_model=PublicationOut,
    status_code=201,
    summary="Freeze and publish the round's membership",
)
def post_publish(
    round_id: RoundIdPath,
    session: SessionDep,
    principal: PrincipalDep,
    data: Annotated[PublishIn | None, Body()] = None,
) -> PublicationOut:
    """Every selected firm becomes an immutable member for the validity period (default from
    today, for the round's ``validity_years``). The round must be ``decided``; a second
    publication is a 409 and decisions are read-only afterwards."""
    options = data or PublishIn()
    result = publication.publish(
        session,
        principal,
        round_id=round_id,
        valid_from=options.valid_from,
        validity_years=options.validity_years,
    )
    return PublicationOut(
        round_id=result.round_id,
        published_at=result.published_at,
        valid_from=result.valid_from,
        valid_until=result.valid_until,
        members=result.members,
    )
