"""HTTP routes of published membership: cheap, cacheable reads for the tracking app.

Each answer carries a strong ``ETag`` (a hash of its exact bytes) and ``Cache-Control``; a
request whose ``If-None-Match`` names the current tag is answered ``304`` with no body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from schemas.scalars import CalendarDate
from schemas.selection import ChangesPage, MembersPage
from service.conditional import etag_matches
from service.deps import SessionDep
from service.models import utcnow
from service.pagination import decode_cursor
from service.paths import UsccPath
from service.selection import membership
from service.selection.rendered import Rendered, cache_for
from service.selection.routes.params import CohortPath

__all__ = ["IfNoneMatch", "conditional_response", "router"]

router = APIRouter(tags=["membership"])

# Published membership never changes, but "currently valid" moves with each publication.
_CACHE_CURRENT = "private, max-age=60, must-revalidate"
_CACHE_ROUND = "private, max-age=3600"
_CACHE_FEED = "private, no-cache"

IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=2000)]


def conditional_response(
    rendered: Rendered, request: Request, if_none_match: str | None, cache: str
) -> Response:
    """200 with the body (gzip when the client accepts it), or 304 when ``If-None-Match`` names
    the representation's tag; both with the tag, ``Cache-Control`` and ``Vary``."""
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    use_gzip = accepts_gzip and rendered.gzipped is not None and rendered.gzip_etag is not None
    etag = rendered.gzip_etag if use_gzip and rendered.gzip_etag else rendered.etag
    headers = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if etag_matches(if_none_match, etag, weak=True):
        return Response(status_code=304, headers=headers)
    if use_gzip and rendered.gzipped is not None:
        headers["Content-Encoding"] = "gzip"
        return Response(rendered.gzipped, media_type="application/json", headers=headers)
    return Response(rendered.body, media_type="application/json", headers=headers)


@router.get(
    "/v1/cohorts/changes",
    response_model=ChangesPage,
    summary="Membership published after a cursor (incremental sync)",
)
def get_changes(
    session: SessionDep,
    request: Request,
    if_none_match: IfNoneMatch = None,
    since: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Start without ``since``; keep the returned ``next_cursor`` and pass it as ``since`` next
    time: it is returned even when nothing changed, so polling continues from there."""
    position = decode_cursor(since, keys={"seq": int})
    rendered = membership.changes_document(
        session,
        cache_for(request.app.state),
        after_seq=int(position["seq"]) if position else 0,
        limit=limit,
    )
    return conditional_response(rendered, request, if_none_match, _CACHE_FEED)


@router.get(
    "/v1/cohorts/{cohort}/members",
    response_model=MembersPage,
    summary="A cohort's published members",
)
async def get_members(
    cohort: CohortPath,
    request: Request,
    if_none_match: IfNoneMatch = None,
    round_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    on: Annotated[
        CalendarDate | None, Query(description="Valid on this day (default today).")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The members of one round (``round_id``) or, by default, those valid today; no scores,
    ratings or reasons. ``If-None-Match`` with the last ``ETag`` gives 304 when unchanged."""
    position = decode_cursor(cursor, keys={"id": int})
    state = request.app.state
    cache = cache_for(state)
    day = on or utcnow().date()
    after_id = int(position["id"]) if position else None
    # Hot path: a page whose version was checked within the last second needs no database and
    # no worker thread at all.
    rendered = membership.recent_members_document(
        cache, cohort=cohort, round_id=round_id, on=day, after_id=after_id, limit=limit
    )
    if rendered is not None:
        return conditional_response(
            rendered,
            request,
            if_none_match,
            _CACHE_ROUND if round_id is not None else _CACHE_CURRENT,
        )

    def read() -> Rendered:
        # One worker-thread hop for the whole read, instead of the three a sync route with
        # SessionDep takes (enter, handler, exit); a read-only session has nothing to commit.
        with state.read_sessions() as session:
            return membership.members_document(
                session,
                cache,
                cohort=cohort,
                round_id=round_id,
                on=day,
                after_id=after_id,
                limit=limit,
            )

    rendered = await run_in_threadpool(read)
    return conditional_response(
        rendered, request, if_none_match, _CACHE_ROUND if round_id is not None else _CACHE_CURRENT
    )


@router.get(
    "/v1/firms/{uscc}/memberships",
    response_model=MembersPage,
    summary="A firm's published memberships",
)
def get_firm_memberships(
    uscc: UsccPath, session: SessionDep, request: Request, if_none_match: IfNoneMatch = None
) -> Response:
    """Every cohort the firm was published in, oldest first (one page: a firm has few)."""
    rendered = membership.firm_memberships_document(
        session, cache_for(request.app.state), uscc=uscc
    )
    return conditional_response(rendered, request, if_none_match, _CACHE_CURRENT)
