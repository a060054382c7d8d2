"""HTTP route of a round's publication."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from schemas.selection import PublicationOut, PublishIn
from service.deps import PrincipalDep, SessionDep
from service.params import IdPath
from service.selection.publication import service

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.post(
    "/v1/rounds/{round_id}/publish",
    response_model=PublicationOut,
    status_code=201,
    summary="Freeze and publish the round's membership",
)
def post_publish(
    round_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    data: Annotated[PublishIn | None, Body()] = None,
) -> PublicationOut:
    """Every selected firm becomes an immutable member for the validity period (default from
    today, for the round's ``validity_years``). The round must be ``decided``; a second
    publication is a 409 and decisions are read-only afterwards. A selected firm that is a
    current member elsewhere is a 409 naming the membership, unless its decision says it moves:
    then the old membership ends the day the new one starts (listed in ``closed``)."""
    options = data or PublishIn()
    result = service.publish(
        session,
        principal,
        round_id=round_id,
        valid_from=options.valid_from,
        validity_years=options.validity_years,
        usd_cny=request.app.state.settings.usd_cny,
    )
    return PublicationOut(
        round_id=result.round_id,
        published_at=result.published_at,
        valid_from=result.valid_from,
        valid_until=result.valid_until,
        members=result.members,
        closed=result.closed,
    )
