"""HTTP routes of growth-model training jobs (admin): start one, follow its progress."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from service.deps import PrincipalDep, SessionDep
from service.growth.jobs import service
from service.models import GrowthTrainingJob, utcnow

__all__ = ["router"]

router = APIRouter(prefix="/v1/growth-models", tags=["growth models"])


class TrainingRequest(BaseModel):
    """What to train: the source, its outcome label (default: the source's first), the kind."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["registry", "crunchbase-2013"] = Field(
        default="registry",
        description="registry: the firms, filings and funding rounds this service stores; "
        "crunchbase-2013: the real US export, if the server is configured with it.",
    )
    label: Literal["oecd-high-growth-3y", "series-b-3y", "exit-5y"] | None = Field(
        default=None,
        description="registry: oecd-high-growth-3y; crunchbase-2013: series-b-3y or exit-5y.",
    )
    kind: Literal["auto", "logistic", "gbm", "blend"] = Field(
        default="auto", description="auto: the kind with the best validation-year ROC AUC."
    )
    name: str | None = Field(default=None, min_length=1, max_length=80)


class TrainingJobOut(BaseModel):
    """A training job: its state, progress and outcome (a model id, or a problem detail)."""

    id: str
    source: str
    label: str
    options: dict[str, Any]
    state: Literal["queued", "running", "succeeded", "failed"]
    stage: str
    percent: int
    messages: list[dict[str, Any]]
    model_id: str | None
    error: dict[str, Any] | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _out(job: GrowthTrainingJob, *, stale_seconds: float) -> TrainingJobOut:
    out = TrainingJobOut.model_validate(job, from_attributes=True)
    if service.is_orphaned(job, now=utcnow(), stale_seconds=stale_seconds):
        out = out.model_copy(update={"state": "failed", "error": service.interrupted_problem()})
    return out


@router.post(
    "",
    status_code=202,
    response_model=TrainingJobOut,
    summary="Train a growth model in the background",
    responses={
        202: {
            "description": "Training started; follow the job at `Location`.",
            "headers": {
                "Location": {"description": "The job's URL.", "schema": {"type": "string"}}
            },
        }
    },
)
def train(
    body: TrainingRequest,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    principal: PrincipalDep,
) -> TrainingJobOut:
    """Backtest the source's honest time split, train on every year, store the model and its
    card; the job reports its stage and percent meanwhile."""
    settings = request.app.state.settings
    job = service.create(
        session,
        principal,
        source=body.source,
        label=body.label,
        kind=body.kind,
        name=body.name,
        settings=settings,
    )
    background.add_task(service.run, request.app.state.write_sessions, job.id, settings=settings)
    response.headers["Location"] = f"/v1/growth-models/jobs/{job.id}"
    return _out(job, stale_seconds=settings.growth_job_stale_seconds)


@router.get(
    "/jobs/{job_id}", response_model=TrainingJobOut, summary="A training job's progress"
)
def get_job(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], request: Request, session: SessionDep
) -> TrainingJobOut:
    """State, stage, percent, messages; when done, the model id or the error as a problem."""
    job = service.get_or_raise(session, job_id)
    return _out(job, stale_seconds=request.app.state.settings.growth_job_stale_seconds)
