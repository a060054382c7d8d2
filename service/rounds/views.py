"""HTTP routes of selection rounds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from schemas.pagination import Page
from schemas.rounds import RoundIn, RoundOut
from service.deps import PrincipalDep, SessionDep
from service.pagination import decode_cursor, split_page
from service.rounds import service

__all__ = ["RoundIdPath", "router"]

router = APIRouter(prefix="/v1/rounds", tags=["rounds"])
RoundIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("", response_model=RoundOut, status_code=201, summary="Open a selection round")
def post_round(data: RoundIn, session: SessionDep, principal: PrincipalDep) -> RoundOut:
    """A new round, state ``open``."""
    return RoundOut.model_validate(
        service.create(session, principal, data=data), from_attributes=True
    )


@router.get("", response_model=Page[RoundOut], summary="List selection rounds")
def list_rounds(
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page[RoundOut]:
    """Newest first."""
    position = decode_cursor(cursor, keys={"id": int})
    rounds = service.list_rounds(
        session, after_id=int(position["id"]) if position else None, limit=limit + 1
    )
    rounds, next_cursor = split_page(rounds, limit, lambda r: {"id": r.id})
    return Page[RoundOut](
        items=[RoundOut.model_validate(r, from_attributes=True) for r in rounds],
        next_cursor=next_cursor,
    )


@router.get("/{round_id}", response_model=RoundOut, summary="Read a selection round")
def get_round(round_id: RoundIdPath, session: SessionDep) -> RoundOut:
    """One round."""
    return RoundOut.model_validate(service.get_or_raise(session, round_id), from_attributes=True)
