"""Refuse request bodies over the configured size before any handler reads them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PayloadTooLarge, ServiceError
from service.problems import problem_response

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """A 413 problem that states the limit, whether the body declares its length or streams it.

    A route anyone may call without a key (``public_routes``, method and path template) has the
    smaller ``max_public_bytes``: the body is buffered and parsed before any handler could say
    it is too long, so the general limit would let an anonymous caller cost the server 128 MiB
    of memory and seconds of parsing per request. So has every other route when the request
    carries no credential at all (no ``credential_header``, no ``session_cookie``): it can only
    be refused with a 401, and FastAPI parses a body before it checks the key. A request with
    a key whose body passes the public limit has its key checked then (``check_key``, with the
    app and the key, raising the ``ServiceError`` to answer), and an unknown or revoked key is
    refused before any more of the body is read.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        public_routes: Iterable[tuple[str, str]] = (),
        max_public_bytes: int | None = None,
        credential_header: str = "x-api-key",
        session_cookie: str | None = None,
        check_key: Callable[[Any, str], Awaitable[object]] | None = None,
    ) -> None:
        self.app = app
        self._check_key = check_key
        self._credential = credential_header.lower().encode("latin-1")
        self._session = None if session_cookie is None else f"{session_cookie}=".encode("latin-1")
        self.max_bytes = max_bytes
        self.max_public_bytes = min(max_bytes, max_public_bytes or max_bytes)
        self._public = [
            (method.upper(), compile_path(template)[0]) for method, template in public_routes
        ]

    def _key_of(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == self._credential:
                return value.decode("latin-1").strip() or None
        return None

    def _credentialed(self, scope: Scope) -> bool:
        if self._key_of(scope) is not None:
            return True
        return self._session is not None and any(
            name == b"cookie" and self._session in value for name, value in scope.get("headers", [])
        )

    async def _refusal(self, scope: Scope) -> ASGIApp | None:
        """The answer to a request whose key is unknown or revoked (None otherwise): asked only
        of a request whose body passes the public limit, on a route that needs a key."""
        key = self._key_of(scope)
        if key is None or self._check_key is None:
            return None
        try:
            await self._check_key(scope["app"], key)
        except ServiceError as exc:
            return problem_response(exc)
        return None

    def _limit_of(self, scope: Scope) -> tuple[int, bool]:
        """The limit, and whether it is the public one because nothing identifies the caller."""
        method = scope["method"]
        if any(m == method and p.match(scope["path"]) for m, p in self._public):
            return self.max_public_bytes, False
        if self.max_public_bytes < self.max_bytes and not self._credentialed(scope):
            return self.max_public_bytes, True
        return self.max_bytes, False

    def _too_large(self, limit: int, anonymous: bool) -> ASGIApp:
        mib = limit / (1024 * 1024)
        detail = f"The request body exceeds the limit of {limit} bytes ({mib:.1f} MiB)."
        if anonymous:
            detail = (f"Without an API key (X-API-Key) or a signed-in session, a request body may "
                      f"be at most {limit} bytes ({limit / 1024:.0f} KiB).")
        return problem_response(PayloadTooLarge(detail, extra={"limit_bytes": limit}))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, anonymous = self._limit_of(scope)
        # A body past the public limit on a route that needs a key: the key is checked first.
        checked = limit <= self.max_public_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._too_large(limit, anonymous)(scope, receive, send)
                    return
                if declared > self.max_public_bytes and not checked:
                    checked = True
                    refusal = await self._refusal(scope)
                    if refusal is not None:
                        await refusal(scope, receive, send)
                        return
        # Buffer the body (bounded by the limit) so an undeclared stream is refused just the same.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(limit, anonymous)(scope, receive, send)
                return
            if size > self.max_public_bytes and not checked:
                checked = True
                refusal = await self._refusal(scope)
                if refusal is not None:
                    await refusal(scope, receive, send)
                    return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
