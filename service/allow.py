"""``OPTIONS`` and 405 answers that list every method a path supports, not one route's methods,
and ``HEAD`` answered as the ``GET`` of the path, as that ``Allow`` says.

The router matches one route per method, so its 405 names only the first route that matched
the path (``/v1/schemes`` said ``Allow: GET`` though it takes ``POST``). The methods come from
the access table, which names every route (a test holds it to that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AllowMiddleware"]


class AllowMiddleware:
    """Answer ``OPTIONS`` with 204 and ``Allow``; correct the ``Allow`` header of every 405."""

    def __init__(self, app: ASGIApp, *, routes: Iterable[tuple[str, str]]) -> None:
        self.app = app
        methods_of: dict[str, set[str]] = {}
        for method, template in routes:
            methods_of.setdefault(template, set()).add(method.upper())
        self._patterns: list[tuple[re.Pattern[str], frozenset[str]]] = [
            (compile_path(template)[0], frozenset(methods))
            for template, methods in methods_of.items()
        ]

    def allowed(self, path: str) -> str | None:
        """The ``Allow`` value for ``path``, or None when no route has it."""
        methods: set[str] = set()
        for pattern, route_methods in self._patterns:
            if pattern.match(path):
                methods |= route_methods
        if not methods:
            return None
        if "GET" in methods:
            methods.add("HEAD")
        methods.add("OPTIONS")
        return ", ".join(sorted(methods))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        allow = self.allowed(scope["path"])
        if allow is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
            return
        if scope["method"] == "HEAD" and "GET" in allow.split(", "):
            await self._head(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                MutableHeaders(scope=message)["Allow"] = allow
            await send(message)

        await self.app(scope, receive, send_with_allow)

    async def _head(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The GET's answer without its body (RFC 9110 §9.3.2): its rule, status and headers."""

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
