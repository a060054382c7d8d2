"""HTTP routes of the public notice (公示): open it, read it, object, resolve, promote.

Reading the notice and filing an objection need no key. The notice is served with a strong
``ETag`` (``If-None-Match`` → 304); objections are rate limited per client address by the app's
``objection_limiter`` and answered with the id an objector quotes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from schemas.notice import (
    NoticeIn,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    ObjectionReceipt,
    Offer,
    PromotionIn,
    ResolutionIn,
    ResolutionOut,
)
from schemas.pagination import Page
from schemas.rounds import RoundOut
from schemas.selection import DecisionOut
from service.deps import PrincipalDep, SessionDep
from service.limiter import RateLimiter
from service.models import utcnow
from service.pagination import PageDep, page_of_rows
from service.params import IdPath, IfNoneMatch
from service.selection.notice import service
from service.selection.responses import conditional_response

__all__ = ["router"]

router = APIRouter(tags=["notice"])

# The notice changes only when an objection is upheld or a firm promoted: revalidate each time.
_CACHE_NOTICE = "public, no-cache"


@router.post(
    "/v1/rounds/{round_id}/notice",
    response_model=RoundOut,
    summary="Open the public notice period of a decided round",
)
def post_notice(
    round_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    data: Annotated[NoticeIn | None, Body()] = None,
) -> RoundOut:
    """``decided`` → ``notice`` until ``ends_on`` (inclusive) or for ``days`` calendar days from
    today (default: the round's ``notice_days``, else ``COHORTS_NOTICE_DAYS``). Decisions are
    frozen during the notice; publication waits for its end and for every objection."""
    selection_round = service.open_notice(
        session,
        principal,
        round_id=round_id,
        data=data or NoticeIn(),
        today=utcnow().date(),
        default_days=request.app.state.settings.notice_days,
    )
    return RoundOut.model_validate(selection_round, from_attributes=True)


@router.get(
    "/v1/notices/{round_id}",
    response_model=NoticeOut,
    summary="The public notice of a round's proposed members (no key needed)",
)
def get_notice(
    round_id: IdPath, session: SessionDep, request: Request, if_none_match: IfNoneMatch = None
) -> Response:
    """The notice period and, per cohort, each proposed firm's USCC, name and cohort; no scores,
    ranks or reviews. 404 until the round's notice opens."""
    rendered = service.notice_document(session, round_id=round_id)
    return conditional_response(rendered, request, if_none_match, _CACHE_NOTICE)


@router.post(
    "/v1/notices/{round_id}/objections",
    response_model=ObjectionReceipt,
    status_code=201,
    summary="Object to a proposed member (no key needed)",
    responses={429: {"description": "Over the objections allowed from one address per window."}},
)
def post_objection(
    round_id: IdPath, data: ObjectionIn, session: SessionDep, request: Request
) -> ObjectionReceipt:
    """File an objection against a firm on the notice while the period runs; keep the returned
    ``id`` to quote. Grounds are kept exactly as sent; a few objections per address per window
    (429 with ``Retry-After`` beyond)."""
    address = request.client.host if request.client else "unknown"
    limiter: RateLimiter = request.app.state.objection_limiter
    limiter.hit(address, what="objections")
    objection = service.file_objection(
        session, round_id=round_id, data=data, client_address=address, today=utcnow().date()
    )
    return ObjectionReceipt.model_validate(objection, from_attributes=True)


@router.get(
    "/v1/rounds/{round_id}/objections",
    response_model=Page[ObjectionOut],
    summary="A round's objections, oldest first",
)
def get_objections(round_id: IdPath, session: SessionDep, page: PageDep) -> Page[ObjectionOut]:
    """Every objection with its grounds and contact as filed, and its resolution."""
    rows = service.list_objections(
        session, round_id=round_id, after_id=page.after("id", int), limit=page.fetch
    )
    return page_of_rows(rows, page, key="id", out=ObjectionOut)


@router.post(
    "/v1/rounds/{round_id}/objections/{objection_id}/resolution",
    response_model=ResolutionOut,
    summary="Dismiss or uphold an objection",
)
def post_resolution(
    round_id: IdPath,
    objection_id: IdPath,
    data: ResolutionIn,
    session: SessionDep,
    principal: PrincipalDep,
) -> ResolutionOut:
    """Upholding takes the firm off the proposed list and offers (does not promote) the next
    waitlisted firm of its cohort by rank; promote it with ``…/promotion``."""
    result = service.resolve(
        session, principal, round_id=round_id, objection_id=objection_id, data=data
    )
    return ResolutionOut(
        objection=ObjectionOut.model_validate(result.objection, from_attributes=True),
        offered=None if result.offered is None else Offer.model_validate(result.offered),
    )


@router.post(
    "/v1/rounds/{round_id}/objections/{objection_id}/promotion",
    response_model=DecisionOut,
    summary="Promote a waitlisted firm into the place an upheld objection freed",
)
def post_promotion(
    round_id: IdPath,
    objection_id: IdPath,
    data: PromotionIn,
    session: SessionDep,
    principal: PrincipalDep,
) -> DecisionOut:
    """An explicit decision with a reason: the firm, waitlisted for the same cohort, is selected."""
    decision = service.promote(
        session, principal, round_id=round_id, objection_id=objection_id, data=data
    )
    return DecisionOut.model_validate(decision, from_attributes=True)
