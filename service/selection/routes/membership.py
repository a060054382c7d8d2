"""HTTP routes of published membership: cheap, cacheable reads for the tracking app.

Each answer carries a strong ``ETag`` (a hash of its exact bytes) and ``Cache-Control``; a
request whose ``If-None-Match`` names the current tag is answered ``304`` with no body.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response

from schemas.selection import ChangesPage, MembersPage
from service.conditional import etag_matches, strong_etag_of
from service.deps import SessionDep
from service.models import utcnow
from service.pagination import decode_cursor, encode_cursor
from service.paths import UsccPath
from service.selection import membership
from service.selection.routes.params import CohortPath

__all__ = ["router"]

router = APIRouter(tags=["membership"])

# Published membership never changes, but "currently valid" moves with each publication.
_CACHE_CURRENT = "private, max-age=60, must-revalidate"
_CACHE_ROUND = "private, max-age=3600"
_CACHE_FEED = "private, no-cache"


def _conditional(payload: dict[str, Any], if_none_match: str | None, cache: str) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = strong_etag_of(body)
    headers = {"ETag": etag, "Cache-Control": cache}
    if etag_matches(if_none_match, etag, weak=True):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=2000)]


@router.get(
    "/v1/cohorts/changes",
    response_model=ChangesPage,
    summary="Membership published after a cursor (incremental sync)",
)
def get_changes(
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    since: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Start without ``since``; keep the returned ``next_cursor`` and pass it as ``since`` next
    time: it is returned even when nothing changed, so polling continues from there."""
    position = decode_cursor(since, keys={"seq": int})
    after = int(position["seq"]) if position else 0
    rows = membership.list_changes(session, after_seq=after, limit=limit)
    items = [
        {
            **membership.member_dict(m),
            "seq": m.id,
            "change": "added",
            "published_at": m.published_at.isoformat(),
        }
        for m in rows
    ]
    last = rows[-1].id if rows else after
    return _conditional(
        {"items": items, "next_cursor": encode_cursor({"seq": last})}, if_none_match, _CACHE_FEED
    )


@router.get(
    "/v1/cohorts/{cohort}/members",
    response_model=MembersPage,
    summary="A cohort's published members",
)
def get_members(
    cohort: CohortPath,
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
    round_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    on: Annotated[dt.date | None, Query(description="Valid on this day (default today).")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The members of one round (``round_id``) or, by default, those valid today; no scores,
    ratings or reasons. ``If-None-Match`` with the last ``ETag`` gives 304 when unchanged."""
    position = decode_cursor(cursor, keys={"id": int})
    rows = membership.list_members(
        session,
        cohort=cohort,
        round_id=round_id,
        on=on or utcnow().date(),
        after_id=int(position["id"]) if position else None,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    payload = {
        "items": [membership.member_dict(m) for m in rows],
        "next_cursor": encode_cursor({"id": rows[-1].id}) if more else None,
    }
    cache = _CACHE_ROUND if round_id is not None else _CACHE_CURRENT
    return _conditional(payload, if_none_match, cache)


@router.get(
    "/v1/firms/{uscc}/memberships",
    response_model=MembersPage,
    summary="A firm's published memberships",
)
def get_firm_memberships(
    uscc: UsccPath, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """Every cohort the firm was published in, oldest first (one page: a firm has few)."""
    rows = membership.list_firm_memberships(session, uscc=uscc)
    return _conditional(
        {"items": [membership.member_dict(m) for m in rows], "next_cursor": None},
        if_none_match,
        _CACHE_CURRENT,
    )
