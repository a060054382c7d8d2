"""The service's expected failures, each carrying its HTTP status and problem type.

    ServiceError (500)                the base; raised bare it is a programming error
    ├── BadRequest (400)
    ├── Unauthorized (401)            no key, or an unknown or revoked key
    ├── Forbidden (403)               the key's role may not do this
    ├── NotFound (404)
    ├── MethodNotAllowed (405)        the path exists, the method does not
    ├── Conflict (409)                the state of the data forbids it
    ├── PreconditionFailed (412)      ``If-Match`` names a stale version
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)
    ├── ValidationFailed (422)        ``errors``: ``{row, field, message}`` or ``{loc, message}``
    ├── TooManyRequests (429)         a client over its rate; ``Retry-After`` says when to retry
    └── ServiceUnavailable (503)      the database is busy (a lock wait timed out); retry

One builder (``service.problems``) turns each into ``application/problem+json`` (RFC 9457), its
status, title and type taken from the class; ``for_status`` names the class of a framework error.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "ServiceError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
    "for_status",
]


class ServiceError(Exception):
    """A failure that maps to one HTTP status; the base itself answers 500 (a programming error)."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal server error"
    slug: ClassVar[str] = "internal-error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def type_uri(self) -> str:
        """The problem type, a stable URI reference the docs explain."""
        return f"/problems/{self.slug}"


class BadRequest(ServiceError):
    """The request is malformed in a way no schema catches."""

    status = 400
    title = "Bad request"
    slug = "bad-request"


class Unauthorized(ServiceError):
    """No API key, or one that is unknown or revoked."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(ServiceError):
    """The key is valid but its role may not do this."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(ServiceError):
    """The thing named in the path does not exist."""

    status = 404
    title = "Not found"
    slug = "not-found"


class MethodNotAllowed(ServiceError):
    """The path exists but does not answer this method."""

    status = 405
    title = "Method not allowed"
    slug = "method-not-allowed"


class Conflict(ServiceError):
    """The current state of the data forbids the request."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(ServiceError):
    """``If-Match`` or ``If-None-Match`` does not hold."""

    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PayloadTooLarge(ServiceError):
    """The body or the list is over a configured limit."""

    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class UnsupportedMediaType(ServiceError):
    """The body is in a format this endpoint does not read."""

    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class ValidationFailed(ServiceError):
    """The input breaks the contract; ``errors`` says where."""

    status = 422
    title = "Validation failed"
    slug = "validation-failed"


class ServiceUnavailable(ServiceError):
    """The service cannot answer now (a lock wait timed out); the same request may succeed later."""

    status = 503
    title = "Service unavailable"
    slug = "database-busy"


class TooManyRequests(ServiceError):
    """The client sent more requests of this kind than its rate allows."""

    status = 429
    title = "Too many requests"
    slug = "too-many-requests"


_BY_STATUS: dict[int, type[ServiceError]] = {
    error.status: error for error in ServiceError.__subclasses__()
}


def for_status(status: int) -> type[ServiceError]:
    """The error class answering ``status`` (the base, a 500, when none does)."""
    return _BY_STATUS.get(status, ServiceError)
