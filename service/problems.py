"""The one place where failures become ``application/problem+json`` responses (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import ServiceError, ValidationFailed, for_status
from service.request_context import current_request_id

__all__ = ["PROBLEM_MEDIA_TYPE", "install_problem_handlers", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("cohorts.problems")


def problem_response(error: ServiceError, *, instance: str | None = None) -> JSONResponse:
    """The problem document of ``error``: type, title and status from its class, then its detail,
    field-level ``errors``, request id and any extra members."""
    body: dict[str, Any] = {
        "type": error.type_uri,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if instance:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if error.errors is not None:
        body["errors"] = error.errors
    if error.extra:
        body.update(error.extra)
    return JSONResponse(
        body, status_code=error.status, headers=error.headers, media_type=PROBLEM_MEDIA_TYPE
    )


def _location(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _on_service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if exc.status >= 500:
        log.error("programming error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(exc, instance=request.url.path)


async def _on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": _location(tuple(err.get("loc", ()))), "message": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]
    error = ValidationFailed(
        f"The request does not match the contract ({len(errors)} error(s)).", errors=errors
    )
    return problem_response(error, instance=request.url.path)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error = for_status(exc.status_code)(str(exc.detail), headers=dict(exc.headers or {}))
    return problem_response(error, instance=request.url.path)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    error = ServiceError("An unexpected error occurred; it has been logged.")
    request_id = current_request_id()
    if request_id:
        # This handler answers outside the request-id middleware, so it sets the header itself.
        error.headers["X-Request-ID"] = request_id
    return problem_response(error, instance=request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers; every error the app returns goes through them."""
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)
