"""The one place where failures become ``application/problem+json`` responses (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import ServiceError
from service.request_context import current_request_id

__all__ = ["PROBLEM_MEDIA_TYPE", "install_problem_handlers", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("cohorts.problems")

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    500: "Internal server error",
}


def problem_response(
    status: int,
    detail: str,
    *,
    type_uri: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """Build one problem document; ``errors`` holds field-level detail."""
    body: dict[str, Any] = {
        "type": type_uri or "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    if errors is not None:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _location(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def _on_service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return problem_response(
        exc.status,
        exc.detail,
        type_uri=exc.type_uri,
        title=exc.title,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
        instance=request.url.path,
    )


async def _on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": _location(tuple(err.get("loc", ()))), "message": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]
    return problem_response(
        422,
        f"The request does not match the contract ({len(errors)} error(s)).",
        type_uri="/problems/validation-failed",
        errors=errors,
        instance=request.url.path,
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        exc.status_code,
        str(exc.detail),
        headers=dict(exc.headers or {}),
        instance=request.url.path,
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    request_id = current_request_id()
    return problem_response(
        500,
        "An unexpected error occurred; it has been logged.",
        instance=request.url.path,
        # This handler answers outside the request-id middleware, so it sets the header itself.
        headers={"X-Request-ID": request_id} if request_id else None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers; every error the app returns goes through them."""
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unexpected)
