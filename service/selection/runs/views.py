"""HTTP routes of score runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from schemas.selection import ScoreRunIn, ScoreRunOut
from service.deps import PrincipalDep, SessionDep
from service.params import CohortPath, IdPath
from service.selection.runs import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/rounds/{round_id}/cohorts/{cohort}", tags=["selection"])


@router.post(
    "/score-runs",
    response_model=ScoreRunOut,
    status_code=201,
    summary="Score the cohort's nominations",
    responses={
        201: {
            "headers": {
                "Location": {"description": "The new run.", "schema": {"type": "string"}}
            }
        }
    },
)
def post_score_run(
    round_id: IdPath,
    cohort: CohortPath,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
    data: Annotated[ScoreRunIn | None, Body()] = None,
) -> ScoreRunOut:
    """Scores every nomination of the cohort under its active scheme (and the active growth
    model where the scheme enables it) as of the round's reference date, with the ratings given
    so far, and keeps the run: scheme version, model id, input fingerprint, every explanation
    and each firm's weight stability. The round must be ``scoring``; scoring again makes a new
    run."""
    run = service.create(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        options=data or ScoreRunIn(),
        usd_cny=request.app.state.settings.usd_cny,
    )
    response.headers["Location"] = str(
        request.url_for("get_score_run", round_id=round_id, cohort=cohort, run_id=run.id).path
    )
    return ScoreRunOut.model_validate(service.describe(session, run))


@router.get("/score-runs/{run_id}", response_model=ScoreRunOut, summary="Read a score run")
def get_score_run(
    round_id: IdPath, cohort: CohortPath, run_id: IdPath, session: SessionDep
) -> ScoreRunOut:
    """What the run used and found (its rows are the shortlist of the latest run)."""
    run = service.get_or_raise(session, round_id=round_id, cohort=cohort, run_id=run_id)
    return ScoreRunOut.model_validate(service.describe(session, run))
