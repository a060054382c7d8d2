"""HTTP route of the shortlist and its CSV and XLSX exports."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.scalars import SectorCode
from schemas.selection import ShortlistPage
from service.deps import PrincipalDep, read_small, run_read
from service.pagination import PageDep
from service.params import CohortPath, IdPath, IfNoneMatch
from service.selection import explained
from service.selection.rendered import cache_for
from service.selection.responses import conditional_response
from service.selection.shortlists import export, service

__all__ = ["router"]

router = APIRouter(tags=["selection"])


@router.get(
    "/v1/rounds/{round_id}/cohorts/{cohort}/shortlist",
    response_model=ShortlistPage,
    summary="The ranked, explained shortlist of the latest score run",
    responses={200: {"content": {export.CSV_MEDIA_TYPE: {}, export.XLSX_MEDIA_TYPE: {}}}},
)
async def get_shortlist(
    round_id: IdPath,
    cohort: CohortPath,
    principal: PrincipalDep,
    request: Request,
    if_none_match: IfNoneMatch = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    eligible_only: bool = False,
    sector: SectorCode | None = None,
    compare: Literal["topsis", "weighted-sum"] | None = None,
    lang: Literal["zh", "en"] = "zh",
    *,
    page: PageDep,
) -> Response:
    """Ranked firms first (by rank), then the ineligible ones by USCC, each with gate outcomes,
    per-criterion points, sensitivity, flags and reviewer aggregates (raw and calibrated).
    ``format=csv|xlsx`` exports every row matching the filters under a heading (round, cohort,
    scheme version, export time), criterion titles as headers (``lang=en``: English);
    JSON pages with ``cursor``. Each explanation carries ``robustness``: per criterion left
    out, the firm's rank and whether it stays within capacity. ``compare=topsis`` (or
    ``weighted-sum``, whichever the scheme does not use) adds each firm's rank under the other
    aggregation and the rank difference."""
    if format != "json":
        file = await run_read(
            request,
            service.export,
            principal,
            round_id=round_id,
            cohort=cohort,
            format=format,
            eligible_only=eligible_only,
            sector=sector,
            compare=compare,
            lang=lang,
        )
        disposition = f'attachment; filename="{file.filename}"'
        return Response(
            file.body, media_type=file.media_type, headers={"Content-Disposition": disposition}
        )
    cache = cache_for(request.app.state)
    query = service.PageQuery(round_id, cohort, eligible_only, sector, page, compare)
    # Most requests find the page rendered: that check is a small read (``read_small``); a page
    # to build is read and rendered in one worker-thread hop.
    rendered = await read_small(request, service.kept_page, principal, cache, query)
    if rendered is None:
        rendered = await run_read(
            request,
            service.render_page,
            principal,
            cache,
            query,
            explained.cache_for(request.app.state),
        )
    return conditional_response(rendered, request, if_none_match, "private, no-cache")
