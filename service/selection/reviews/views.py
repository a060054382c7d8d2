"""HTTP routes of ratings and conflicts of interest."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from schemas.selection import ConflictIn, ConflictOut, RatingsIn, ReviewOut
from service.deps import PrincipalDep, SessionDep
from service.params import IdPath
from service.selection.reviews import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/rounds/{round_id}/nominations/{nomination_id}", tags=["selection"])


@router.post(
    "/reviews",
    response_model=list[ReviewOut],
    status_code=201,
    summary="Rate a nomination on the scheme's reviewer-rated criteria",
)
def post_reviews(
    round_id: IdPath,
    nomination_id: IdPath,
    data: RatingsIn,
    session: SessionDep,
    principal: PrincipalDep,
) -> list[ReviewOut]:
    """Each score must lie in the criterion's range from the cohort's scheme; rating again
    replaces your earlier rating. 409 when you declared a conflict with the firm."""
    stored = service.rate(
        session, principal, round_id=round_id, nomination_id=nomination_id, ratings=data.ratings
    )
    return [ReviewOut.model_validate(r, from_attributes=True) for r in stored]


@router.post(
    "/conflicts",
    response_model=ConflictOut,
    status_code=201,
    summary="Declare a conflict of interest with the nomination's firm",
)
def post_conflict(
    round_id: IdPath,
    nomination_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    data: Annotated[ConflictIn | None, Body()] = None,
) -> ConflictOut:
    """From now on you can neither rate the firm nor see it in the shortlist; ratings you gave
    it are withdrawn, and your assignment to it passes to another eligible reviewer."""
    conflict, withdrawn, replacement = service.declare_conflict(
        session,
        principal,
        round_id=round_id,
        nomination_id=nomination_id,
        reason=(data.reason if data else None),
    )
    return ConflictOut(
        round_id=conflict.round_id,
        nomination_id=conflict.nomination_id,
        uscc=conflict.uscc,
        reviewer_label=conflict.reviewer_label,
        reason=conflict.reason,
        ratings_withdrawn=withdrawn,
        replacement_assigned=replacement is not None,
        created_at=conflict.created_at,
    )
