"""HTTP routes of selection rounds."""

from __future__ import annotations

from fastapi import APIRouter

from schemas.pagination import Page
from schemas.rounds import RoundIn, RoundOut
from service.deps import PrincipalDep, SessionDep
from service.pagination import PageDep, page_of_rows
from service.params import IdPath
from service.rounds import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/rounds", tags=["rounds"])


@router.post("", response_model=RoundOut, status_code=201, summary="Open a selection round")
def post_round(data: RoundIn, session: SessionDep, principal: PrincipalDep) -> RoundOut:
    """A new round, state ``open``."""
    return RoundOut.model_validate(
        service.create(session, principal, data=data), from_attributes=True
    )


@router.get("", response_model=Page[RoundOut], summary="List selection rounds")
def list_rounds(session: SessionDep, page: PageDep) -> Page[RoundOut]:
    """Newest first."""
    rounds = service.list_rounds(session, after_id=page.after("id", int), limit=page.fetch)
    return page_of_rows(rounds, page, key="id", out=RoundOut)


@router.get("/{round_id}", response_model=RoundOut, summary="Read a selection round")
def get_round(round_id: IdPath, session: SessionDep) -> RoundOut:
    """One round."""
    return RoundOut.model_validate(service.get_or_raise(session, round_id), from_attributes=True)
