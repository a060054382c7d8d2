"""Request dependencies: the session, the caller, and the authorisation gate every route passes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from service.access import PUBLIC, Role, rule_for
from service.errors import Forbidden, ServiceError, Unauthorized
from service.keys import Principal, authenticate
from service.pages import session as page_session

__all__ = [
    "PrincipalDep",
    "SessionDep",
    "authorize",
    "get_session",
    "principal_of_key",
    "read_small",
    "run_read",
]

P = ParamSpec("P")
R = TypeVar("R")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _sessions(request: Request) -> sessionmaker[Session]:
    state = request.app.state
    maker: sessionmaker[Session] = (
        state.read_sessions if request.method in _SAFE_METHODS else state.write_sessions
    )
    return maker


def get_session(request: Request) -> Iterator[Session]:
    """The request's one session: committed when the handler returns, rolled back if it raises."""
    session = _sessions(request)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _lookup(app: Any, raw_key: str) -> Principal | None:
    with app.state.read_sessions() as session:
        return authenticate(session, raw_key)


# How a 401 tells the client where its key goes.
_CHALLENGE = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'}


async def principal_of_key(app: Any, raw_key: str) -> Principal:
    """The principal of an API key, from the app's cache, else looked up off the event loop and
    cached (only a cache miss costs a thread hop and a query); ``Unauthorized`` when the key
    is unknown or revoked."""
    cache = app.state.principal_cache
    principal: Principal | None = cache.get(raw_key)
    if principal is None:
        principal = await run_in_threadpool(_lookup, app, raw_key)
        if principal is None:
            raise Unauthorized("The API key is unknown or revoked.", headers=_CHALLENGE)
        cache.put(raw_key, principal)
    return principal


def _is_page(path: str) -> bool:
    return path == "/ui" or path.startswith("/ui/")


async def authorize(request: Request) -> None:
    """Deny by default: the matched route's rule decides, and the caller's key must satisfy it."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    rule = rule_for(request.method, path)
    if rule is None:
        raise Forbidden("This route has no access rule; it is closed to every role.")
    if rule == PUBLIC:
        return
    raw_key = request.headers.get("x-api-key", "").strip()
    cookie = request.cookies.get(page_session.SESSION_COOKIE)
    if not raw_key and cookie and _is_page(path):
        # A page signed in by cookie: the same rule, for the key of the server-side session,
        # looked up on every request (no cache), so sign-out and revocation end it at once.
        principal = await read_small(request, page_session.read, cookie)
        if principal is None:
            raise Unauthorized("The page session has ended, expired or its key was revoked.")
        _check_role(principal, rule)
        request.state.principal = principal
        return
    if not raw_key:
        raise Unauthorized("Send an API key in the X-API-Key header.", headers=_CHALLENGE)
    principal = await principal_of_key(request.app, raw_key)
    _check_role(principal, rule)
    request.state.principal = principal


def _check_role(principal: Principal, rule: frozenset[Role]) -> None:
    if principal.role not in rule:
        allowed = ", ".join(sorted(r.value for r in rule))
        raise Forbidden(f"The role {principal.role.value!r} may not do this (allowed: {allowed}).")


async def current_principal(request: Request) -> Principal:
    """The authorised caller of this request."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        # Only reachable if a route with a public rule asks for a principal: a programming error.
        raise ServiceError("No authenticated caller for this route.")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def run_read(
    request: Request,
    use_case: Callable[Concatenate[Session, P], R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """Run a read-only use case with a read session of its own in one worker-thread hop."""

    # A sync route with SessionDep takes three hops (enter, handler, exit); a read-only
    # session has nothing to commit, so a hot async route reads in one.
    def read() -> R:
        with request.app.state.read_sessions() as session:
            return use_case(session, *args, **kwargs)

    return await run_in_threadpool(read)


async def read_small(
    request: Request,
    use_case: Callable[Concatenate[Session, P], R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """Run a read of a few indexed rows: on SQLite on the event loop, elsewhere as ``run_read``.

    SQLite reads a local file in WAL mode, where a reader never waits for a writer: such a read
    costs tens of microseconds, less than the hop to a worker thread, and at 16 clients the
    hops' hand-offs of the GIL (each SQLite call releases and retakes it) were most of a cached
    page's latency. PostgreSQL answers over a socket, so its reads still leave the loop.
    """
    if request.app.state.reads_inline:
        with request.app.state.read_sessions() as session:
            return use_case(session, *args, **kwargs)
    return await run_read(request, use_case, *args, **kwargs)
