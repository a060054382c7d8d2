"""Growth-model training as a background job: created by a request, run after the response,
its progress written as it goes, its outcome a stored model or an error as a problem detail.

A job is ``queued``, then ``running``, then ``succeeded`` or ``failed``. The process running it
(``runner``: host, pid and a per-process token) writes ``heartbeat_at`` with every progress
report. A job whose runner is gone — a process of this host that no longer exists, or no
heartbeat for ``growth_job_stale_seconds`` — reads as failed ("interrupted"), and the app marks it
so when it starts; its runner, should it still live, stops at its next report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service import audit
from service.access import Role
from service.errors import NotFound, ServiceError, ValidationFailed
from service.growth import service as growth_service
from service.keys import Principal
from service.models import GrowthTrainingJob, utcnow
from service.settings import Settings

__all__ = [
    "RUNNER",
    "create",
    "get_or_raise",
    "interrupted_problem",
    "is_orphaned",
    "run",
    "sweep_interrupted",
]

logger = logging.getLogger(__name__)

RUNNER: Final = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
"""This process, as a job's runner."""

_LIVE: Final = ("queued", "running")
_MAX_MESSAGES: Final = 200
_WRITE_EVERY_SECONDS: Final = 1.0


class _Interrupted(Exception):
    """The job was declared interrupted while this process still ran it."""


def interrupted_problem() -> dict[str, Any]:
    """The problem detail of a job whose process stopped before it finished."""
    return {
        "type": "/problems/internal-error",
        "title": "Interrupted",
        "status": 500,
        "detail": "failed: interrupted — the process running this training stopped before it "
        "finished (a restart?); start the training again.",
    }


def _problem(exc: ServiceError) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "type": exc.type_uri,
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
    }
    if exc.errors:
        problem["errors"] = exc.errors
    return problem


def create(
    session: Session,
    principal: Principal,
    *,
    source: str,
    label: str | None,
    kind: str,
    name: str | None,
    settings: Settings,
) -> GrowthTrainingJob:
    """Queue a training of ``source`` (its label checked now: a bad request is a 422, not a
    failed job)."""
    chosen = growth_service.check_label(source, label)
    if source == "crunchbase-2013" and settings.growth_crunchbase_dir is None:
        raise ValidationFailed(
            "The Crunchbase export is not configured on this server "
            "(COHORTS_GROWTH_CRUNCHBASE_DIR); train on the registry instead.",
            errors=[{"loc": ["body", "source"], "message": "not configured on this server"}],
        )
    now = utcnow()
    job = GrowthTrainingJob(
        id=uuid.uuid4().hex,
        source=source,
        label=chosen,
        options={"kind": kind, "name": name},
        state="queued",
        stage="queued",
        percent=0,
        messages=[],
        runner=RUNNER,
        created_by=principal.label,
        key_id=principal.key_id,
        created_at=now,
        heartbeat_at=now,
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        principal,
        action="growth_model.train",
        target_type="growth_training_job",
        target_id=job.id,
        detail={"source": source, "label": chosen, "kind": kind},
    )
    return job


def get_or_raise(session: Session, job_id: str) -> GrowthTrainingJob:
    """A training job by id, or a 404."""
    job = session.get(GrowthTrainingJob, job_id)
    if job is None:
        raise NotFound(f"No growth training job {job_id!r}.")
    return job


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def is_orphaned(job: GrowthTrainingJob, *, now: dt.datetime, stale_seconds: float) -> bool:
    """Whether a queued or running job has lost the process that runs it (see module)."""
    if job.state not in _LIVE:
        return False
    host, _, rest = (job.runner or "").partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return job.runner != RUNNER
        if not _pid_alive(pid):
            return True
    beat = job.heartbeat_at or job.created_at
    return (now - beat).total_seconds() > stale_seconds


def sweep_interrupted(sessions: sessionmaker[Session], *, stale_seconds: float) -> int:
    """Mark every job whose runner is gone as failed ("interrupted"); how many. A database not
    yet migrated (or not answering) has no jobs to sweep: the app still starts, and /readyz says
    what is wrong."""
    now = utcnow()
    try:
        with sessions.begin() as session:
            live = session.scalars(
                select(GrowthTrainingJob).where(GrowthTrainingJob.state.in_(_LIVE))
            ).all()
            gone = [j for j in live if is_orphaned(j, now=now, stale_seconds=stale_seconds)]
            for job in gone:
                job.state = "failed"
                job.error = interrupted_problem()
                job.finished_at = now
    except SQLAlchemyError as exc:
        logger.warning("growth training jobs not swept at start-up: %s", type(exc).__name__)
        return 0
    return len(gone)


class _Reporter:
    """Writes a running job's progress: stage, percent, messages and heartbeat, throttled."""

    def __init__(self, sessions: sessionmaker[Session], job_id: str) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.messages: list[dict[str, Any]] = []
        self.stage = ""
        self.percent = -1
        self.written_at = 0.0

    def write(self, **values: Any) -> None:
        """Update the job if this process still runs it; else stop the run."""
        with self.sessions.begin() as session:
            result = session.execute(
                update(GrowthTrainingJob)
                .where(
                    GrowthTrainingJob.id == self.job_id,
                    GrowthTrainingJob.state.in_(_LIVE),
                    GrowthTrainingJob.runner == RUNNER,
                )
                .values(heartbeat_at=utcnow(), **values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
                raise _Interrupted(self.job_id)

    def __call__(self, stage: str, done: float) -> None:
        percent = int(100 * done)
        new_stage = stage != self.stage
        if new_stage:
            self.messages.append({"at": utcnow().isoformat(), "stage": stage, "percent": percent})
            del self.messages[:-_MAX_MESSAGES]
        due = time.monotonic() - self.written_at >= _WRITE_EVERY_SECONDS
        if new_stage or (percent != self.percent and due):
            self.stage, self.percent, self.written_at = stage, percent, time.monotonic()
            self.write(stage=stage[:200], percent=percent, messages=list(self.messages))


def _principal(job: GrowthTrainingJob) -> Principal:
    return Principal(key_id=job.key_id, label=job.created_by, role=Role.ADMIN)


def run(sessions: sessionmaker[Session], job_id: str, *, settings: Settings) -> None:
    """Run a queued job to its end: store the model, or record the error as a problem."""
    reporter = _Reporter(sessions, job_id)
    try:
        reporter.write(state="running", started_at=utcnow(), stage="reading the data")
        with sessions.begin() as session:
            job = get_or_raise(session, job_id)
            source, label, options = job.source, job.label, dict(job.options)
            principal = _principal(job)
            frames = growth_service.load_registry(session) if source == "registry" else None
        crunchbase = settings.growth_crunchbase_dir
        trained = growth_service.train_with_backtest(
            source,
            label=label,
            kind=str(options.get("kind", "auto")),
            trained_on=utcnow().date(),
            registry=frames,
            crunchbase_dir=Path(crunchbase) if crunchbase is not None else None,
            progress=reporter,
        )
        with sessions.begin() as session:
            model = growth_service.store(
                session, principal, trained=trained, label=str(options.get("name") or source)
            )
            model_id = model.id
        reporter.messages.append(
            {"at": utcnow().isoformat(), "stage": f"stored model {model_id}", "percent": 100}
        )
        reporter.write(
            state="succeeded",
            stage="done",
            percent=100,
            model_id=model_id,
            messages=list(reporter.messages),
            finished_at=utcnow(),
        )
    except _Interrupted:
        logger.warning("growth training job %s was declared interrupted; stopped", job_id)
    except ServiceError as exc:
        _fail(reporter, _problem(exc))
    except Exception as exc:  # the job's outcome must be recorded, whatever went wrong
        logger.exception("growth training job %s failed", job_id)
        _fail(
            reporter,
            {
                "type": "/problems/internal-error",
                "title": "Internal server error",
                "status": 500,
                "detail": f"training failed: {type(exc).__name__}: {exc}"[:2000],
            },
        )


def _fail(reporter: _Reporter, problem: dict[str, Any]) -> None:
    with contextlib.suppress(_Interrupted):
        reporter.write(state="failed", error=problem, finished_at=utcnow())
