"""HTTP routes of published membership: cheap, cacheable reads for the tracking app.

Each answer carries a strong ``ETag`` (a hash of its exact bytes) and ``Cache-Control``; a
request whose ``If-None-Match`` names the current tag is answered ``304`` with no body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from schemas.scalars import CalendarDate
from schemas.selection import ChangesPage, MembersPage
from service.deps import SessionDep, run_read
from service.models import utcnow
from service.pagination import CURSOR_MAX_LENGTH, PageDep, PageSizeDep, decode_cursor
from service.params import CohortPath, IdQuery, IfNoneMatch, UsccPath
from service.selection.membership import service
from service.selection.rendered import cache_for
from service.selection.responses import conditional_response

__all__ = ["router"]

router = APIRouter(tags=["membership"])

# Published membership never changes, but "currently valid" moves with each publication.
_CACHE_CURRENT = "private, max-age=60, must-revalidate"
_CACHE_ROUND = "private, max-age=3600"
_CACHE_FEED = "private, no-cache"


@router.get(
    "/v1/cohorts/changes",
    response_model=ChangesPage,
    summary="Membership published after a cursor (incremental sync)",
)
def get_changes(
    session: SessionDep,
    request: Request,
    if_none_match: IfNoneMatch = None,
    since: Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)] = None,
    *,
    limit: PageSizeDep,
) -> Response:
    """Start without ``since``; keep the returned ``next_cursor`` and pass it as ``since`` next
    time: it is returned even when nothing changed, so polling continues from there."""
    position = decode_cursor(since, keys={"seq": int})
    rendered = service.changes_document(
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
    round_id: IdQuery = None,
    on: Annotated[
        CalendarDate | None, Query(description="Valid on this day (default today).")
    ] = None,
    *,
    page: PageDep,
) -> Response:
    """The members of one round (``round_id``) or, by default, those valid today; no scores,
    ratings or reasons. ``If-None-Match`` with the last ``ETag`` gives 304 when unchanged."""
    cache = cache_for(request.app.state)
    day = on or utcnow().date()
    # Hot path: a page whose version was checked within the last second needs no database and
    # no worker thread at all.
    rendered = service.recent_members_document(
        cache, cohort=cohort, round_id=round_id, on=day, page=page
    )
    if rendered is None:
        rendered = await run_read(
            request,
            service.members_document,
            cache,
            cohort=cohort,
            round_id=round_id,
            on=day,
            page=page,
        )
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
    rendered = service.firm_memberships_document(session, cache_for(request.app.state), uscc=uscc)
    return conditional_response(rendered, request, if_none_match, _CACHE_CURRENT)
