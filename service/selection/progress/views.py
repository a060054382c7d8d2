"""HTTP route of assignment and rating progress."""

from __future__ import annotations

from fastapi import APIRouter

from schemas.reviewers import ProgressOut
from service.deps import PrincipalDep, SessionDep
from service.params import IdPath
from service.selection.progress import service

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.get(
    "/v1/rounds/{round_id}/progress",
    response_model=ProgressOut,
    summary="Assignment and rating progress per cohort, and the reviewers behind",
)
def get_progress(round_id: IdPath, session: SessionDep, principal: PrincipalDep) -> ProgressOut:
    """Per cohort: nominations assigned, ratings given of those owed, each reviewer's firms
    fully rated of assigned; the same figures the round's dashboard page shows."""
    return ProgressOut(round_id=round_id, cohorts=service.for_round(session, round_id=round_id))
