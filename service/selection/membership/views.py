"""HTTP routes of published membership: cheap, cacheable reads for the tracking app.

Each answer carries a strong ``ETag`` (a hash of its exact bytes) and ``Cache-Control``; a
request whose ``If-None-Match`` names the current tag is answered ``304`` with no body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from schemas.scalars import CalendarDate
from schemas.selection import ChangesPage, MembershipEndIn, MembershipEndOut, MembersPage
from service.deps import PrincipalDep, SessionDep, run_read
from service.models import utcnow
from service.pagination import PageDep
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
    summary="Changes to published membership after a cursor (incremental sync)",
)
def get_changes(
    session: SessionDep,
    request: Request,
    page: PageDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Every membership added or ended, in order. Follow ``next_cursor`` (as ``cursor``) until it
    is null: you are caught up. Then, after ``poll_after_seconds`` (also ``Retry-After``), ask
    again with ``resume_cursor``."""
    rendered = service.changes_document(
        session,
        cache_for(request.app.state),
        after_seq=page.after("seq", int) or 0,
        limit=page.limit,
    )
    response = conditional_response(rendered, request, if_none_match, _CACHE_FEED)
    response.headers["Retry-After"] = str(service.POLL_AFTER_SECONDS)
    return response


@router.post(
    "/v1/cohorts/{cohort}/members/{uscc}/end",
    response_model=MembershipEndOut,
    summary="End a published membership (withdrawal, disqualification, graduation)",
)
def post_end(
    cohort: CohortPath,
    uscc: UsccPath,
    data: MembershipEndIn,
    session: SessionDep,
    principal: PrincipalDep,
) -> MembershipEndOut:
    """The firm's open membership of the cohort ends on ``on`` with a reason; naming a
    ``replacement`` (waitlisted for the cohort in the same round) gives it the place for the
    rest of the validity period. Both are changes of the feed and webhook events."""
    ended, replacement = service.end(session, principal, cohort=cohort, uscc=uscc, data=data)
    return MembershipEndOut(
        ended=service.member_of(ended),
        replacement=None if replacement is None else service.member_of(replacement),
    )


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
