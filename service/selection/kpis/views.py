"""HTTP route of the programme KPIs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from schemas.scalars import CalendarDate
from schemas.selection import KpisOut
from service.deps import SessionDep
from service.params import IdPath
from service.selection.kpis import service

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.get(
    "/v1/rounds/{round_id}/kpis",
    response_model=KpisOut,
    summary="Published cohorts against the plan's three-year targets",
    responses={409: {"description": "The round is not published yet."}},
)
def get_kpis(
    round_id: IdPath,
    session: SessionDep,
    request: Request,
    as_of: Annotated[
        CalendarDate | None, Query(description="Count as of this day (default today).")
    ] = None,
) -> KpisOut:
    """Counts members that newly reached each level since their baseline at publication, per
    year of the validity period, as of ``as_of`` (default today); the conditions are spelled
    out in each entry. 409 until the round is published."""
    return KpisOut.model_validate(
        service.measure(
            session, round_id=round_id, usd_cny=request.app.state.settings.usd_cny, as_of=as_of
        )
    )
