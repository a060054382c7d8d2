"""A write that cannot get its lock in time is a 503 with ``Retry-After``, not a 500.

SQLite says "database is locked" once ``busy_timeout`` passes with another writer holding the
lock; PostgreSQL raises ``lock_not_available`` (55P03) once ``lock_timeout`` passes, and
``deadlock_detected`` (40P01) when it breaks a deadlock. Each is the server being busy, and the
same request can succeed when retried; every other database error stays a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from service.errors import ServiceUnavailable
from service.problems import problem_response

__all__ = ["RETRY_AFTER_SECONDS", "install_lock_handler", "is_lock_timeout"]

RETRY_AFTER_SECONDS = 5
"""What a client is told to wait: long enough for a large import's write to finish."""

_RETRYABLE_SQLSTATES = frozenset({"55P03", "40P01"})


def is_lock_timeout(exc: OperationalError) -> bool:
    """True when the database gave up waiting for a lock (not for any other failure)."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RETRYABLE_SQLSTATES
    return "database is locked" in str(exc.orig)


async def _on_operational_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OperationalError)
    if not is_lock_timeout(exc):
        raise exc  # the catch-all handler logs it and answers 500
    error = ServiceUnavailable(
        "The database is busy with another write (a large import, perhaps); retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
    return problem_response(error, instance=request.url.path)


def install_lock_handler(app: FastAPI) -> None:
    """Register the handler that turns a lock timeout into a 503."""
    app.add_exception_handler(OperationalError, _on_operational_error)
