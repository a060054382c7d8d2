"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.db import READ_ONLY
from service.migrate import current_revision, head_revision

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Always ``ok`` while the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database reachable and migrations at head")
def readyz(request: Request) -> JSONResponse:
    """503 until the database answers and its schema is at the code's head revision."""
    # The probe only reads: on SQLite a deferred BEGIN, so it never queues behind a writer.
    engine = request.app.state.engine.execution_options(**{READ_ONLY: True})
    head = head_revision()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__},
            status_code=503,
        )
    ready = current == head
    return JSONResponse(
        {
            "status": "ready" if ready else "unavailable",
            "database": "reachable",
            "revision": current,
            "head": head,
        },
        status_code=200 if ready else 503,
    )
