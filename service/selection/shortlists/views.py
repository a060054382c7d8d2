"""HTTP route of the shortlist and its CSV and XLSX exports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from schemas.scalars import SectorCode
from schemas.selection import ShortlistPage
from service.deps import PrincipalDep
from service.pagination import decode_cursor
from service.rounds.views import RoundIdPath
from service.selection.membership.views import IfNoneMatch, conditional_response
from service.selection.params import CohortPath
from service.selection.rendered import cache_for
from service.selection.shortlists import export
from service.selection.shortlists.service import read_shortlist, shortlist_document

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.get(
    "/v1/rounds/{round_id}/cohorts/{cohort}/shortlist",
    response_model=ShortlistPage,
    summary="The ranked, explained shortlist of the latest score run",
    responses={200: {"content": {export.CSV_MEDIA_TYPE: {}, export.XLSX_MEDIA_TYPE: {}}}},
)
async def get_shortlist(
    round_id: RoundIdPath,
    cohort: CohortPath,
    principal: PrincipalDep,
    request: Request,
    if_none_match: IfNoneMatch = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    eligible_only: bool = False,
    sector: SectorCode | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Ranked firms first (by rank), then the ineligible ones by USCC, each with gate outcomes,
    per-criterion points, sensitivity, flags and reviewer aggregates (raw and calibrated).
    ``format=csv|xlsx`` exports every row matching the filters, one column per criterion;
    JSON pages with ``cursor``."""
    state = request.app.state

    def read() -> Response:
        # One worker-thread hop for the whole request (a sync route with SessionDep takes three).
        with state.read_sessions() as session:
            if format != "json":
                shortlist = read_shortlist(
                    session,
                    principal,
                    round_id=round_id,
                    cohort=cohort,
                    eligible_only=eligible_only,
                    sector=sector,
                )
                name = f"shortlist-round{round_id}-{cohort}-run{shortlist.run.id}.{format}"
                body, media = (
                    (export.shortlist_csv(shortlist), export.CSV_MEDIA_TYPE)
                    if format == "csv"
                    else (export.shortlist_xlsx(shortlist), export.XLSX_MEDIA_TYPE)
                )
                return Response(
                    body,
                    media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'},
                )
            position = decode_cursor(cursor, keys={"position": int})
            rendered = shortlist_document(
                session,
                principal,
                cache_for(state),
                round_id=round_id,
                cohort=cohort,
                eligible_only=eligible_only,
                sector=sector,
                after_position=int(position["position"]) if position else None,
                limit=limit,
            )
            return conditional_response(rendered, request, if_none_match, "private, no-cache")

    return await run_in_threadpool(read)
