"""HTTP routes of reviewer assignment."""

from __future__ import annotations

from fastapi import APIRouter, Response

from schemas.reviewers import AssignmentEditIn, AssignmentOut, AssignmentsOut, AssignRequest
from service.deps import PrincipalDep, SessionDep
from service.models import Assignment
from service.params import CohortPath, CohortQuery, IdPath
from service.selection.assignments import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/rounds/{round_id}", tags=["selection"])


def _out(assignments: list[Assignment], names: dict[int, str]) -> AssignmentsOut:
    return AssignmentsOut(
        items=[
            AssignmentOut.model_validate(
                {**a.__dict__, "reviewer_name": names.get(a.reviewer_id, "")}
            )
            for a in assignments
        ]
    )


@router.post(
    "/cohorts/{cohort}/assignments",
    response_model=AssignmentsOut,
    status_code=201,
    summary="Assign the cohort's nominations to reviewers (solved, conflict-free, balanced)",
)
def post_assignments(
    round_id: IdPath,
    cohort: CohortPath,
    session: SessionDep,
    principal: PrincipalDep,
    data: AssignRequest | None = None,
) -> AssignmentsOut:
    """Each nomination to ``reviewers_per_nomination`` reviewer profiles, never a conflicted or
    affiliated one, loads balanced (or at most ``max_load``), sector match
    maximised; manual and already-rated assignments are kept. 409 naming what is short."""
    assignments = service.assign_cohort(
        session, principal, round_id=round_id, cohort=cohort, request=data or AssignRequest()
    )
    return _out(assignments, service.reviewer_names(session, assignments))


@router.post(
    "/assignments/edits",
    response_model=AssignmentsOut,
    summary="Add or remove one assignment by hand, with a reason",
)
def post_assignment_edit(
    round_id: IdPath, data: AssignmentEditIn, session: SessionDep, principal: PrincipalDep
) -> AssignmentsOut:
    """The added assignment (an empty list after a removal)."""
    added = service.edit(session, principal, round_id=round_id, data=data)
    items = [added] if added is not None else []
    return _out(items, service.reviewer_names(session, items))


@router.get(
    "/assignments",
    response_model=AssignmentsOut,
    summary="The round's assignments (a reviewer sees their own)",
)
def get_assignments(
    round_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    cohort: CohortQuery = None,
) -> AssignmentsOut:
    """Each with its reason: solver or by hand, sector match, the reviewer's load."""
    assignments = service.list_assignments(session, principal, round_id=round_id, cohort=cohort)
    response.headers["Cache-Control"] = "private, no-cache"
    return _out(assignments, service.reviewer_names(session, assignments))
