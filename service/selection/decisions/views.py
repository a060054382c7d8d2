"""HTTP route of the chair's decisions."""

from __future__ import annotations

from fastapi import APIRouter

from schemas.selection import DecisionOut, DecisionsIn
from service.deps import PrincipalDep, SessionDep
from service.params import CohortPath, IdPath
from service.selection.decisions import service

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.post(
    "/v1/rounds/{round_id}/cohorts/{cohort}/decisions",
    response_model=list[DecisionOut],
    status_code=201,
    summary="Select, waitlist or reject nominations",
)
def post_decisions(
    round_id: IdPath,
    cohort: CohortPath,
    data: DecisionsIn,
    session: SessionDep,
    principal: PrincipalDep,
) -> list[DecisionOut]:
    """All or nothing. An override (selecting outside the latest run's capacity line, rejecting
    or waitlisting inside it) needs a reason (422 without); selecting past capacity, deciding a
    firm nominated for another cohort, or deciding after publication is a 409."""
    stored = service.record(
        session, principal, round_id=round_id, cohort=cohort, decisions=data.decisions
    )
    return [DecisionOut.model_validate(d, from_attributes=True) for d in stored]
