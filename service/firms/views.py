"""HTTP routes of the firm registry: thin, each parses, calls one use case and returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from schemas.firms import FilingIn, FilingOut, FirmIn, FirmOut, FundingRoundIn, FundingRoundOut
from schemas.pagination import Page
from schemas.scalars import SectorCode
from service.deps import PrincipalDep, SessionDep
from service.firms import service
from service.pagination import PageDep, page_of_rows
from service.params import UsccPath

__all__ = ["router"]

router = APIRouter(prefix="/v1/firms", tags=["firms"])
FiscalYearPath = Annotated[int, Path(ge=1949, le=2100)]


@router.put(
    "/{uscc}",
    response_model=FirmOut,
    summary="Create or update a firm profile",
    responses={201: {"model": FirmOut, "description": "Created"}},
)
def put_firm(
    uscc: UsccPath,
    profile: FirmIn,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> FirmOut:
    """201 when created, 200 when updated; send the ETag you read as ``If-Match`` (412 if stale)."""
    firm, created = service.upsert_firm(
        session,
        principal,
        uscc=uscc,
        profile=profile,
        if_match=if_match,
        if_none_match=if_none_match,
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = service.firm_etag(firm)
    return FirmOut.model_validate(firm, from_attributes=True)


@router.get("/{uscc}", response_model=FirmOut, summary="Read a firm profile")
def get_firm(uscc: UsccPath, session: SessionDep, response: Response) -> FirmOut:
    """The profile with its ETag."""
    firm = service.get_by_uscc_or_raise(session, uscc)
    response.headers["ETag"] = service.firm_etag(firm)
    return FirmOut.model_validate(firm, from_attributes=True)


@router.get("", response_model=Page[FirmOut], summary="List firms")
def list_firms(
    session: SessionDep,
    sector: SectorCode | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    listed: bool | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    *,
    page: PageDep,
) -> Page[FirmOut]:
    """Firms in USCC order, filtered by sector, region, listing or a name fragment."""
    firms = service.list_firms(
        session,
        after_uscc=page.after("uscc", str),
        limit=page.fetch,
        sector=sector,
        region=region,
        listed=listed,
        name_contains=q,
    )
    return page_of_rows(firms, page, key="uscc", out=FirmOut)


@router.put(
    "/{uscc}/filings/{fiscal_year}",
    response_model=FilingOut,
    summary="Record a year's figures",
    responses={201: {"model": FilingOut, "description": "Created"}},
)
def put_filing(
    uscc: UsccPath,
    fiscal_year: FiscalYearPath,
    figures: FilingIn,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> FilingOut:
    """Creates (201) or replaces (200) the firm's figures for ``fiscal_year``."""
    filing, created = service.upsert_filing(
        session, principal, uscc=uscc, fiscal_year=fiscal_year, figures=figures
    )
    response.status_code = 201 if created else 200
    return FilingOut.model_validate(filing, from_attributes=True)


@router.get("/{uscc}/filings", response_model=list[FilingOut], summary="A firm's filings")
def get_filings(uscc: UsccPath, session: SessionDep, principal: PrincipalDep) -> list[FilingOut]:
    """Every fiscal year on record, oldest first; 403 for a reviewer conflicted with the firm."""
    return [
        FilingOut.model_validate(f, from_attributes=True)
        for f in service.list_filings(session, principal, uscc=uscc)
    ]


@router.post(
    "/{uscc}/funding-rounds",
    response_model=FundingRoundOut,
    status_code=201,
    summary="Record a funding round",
)
def post_funding_round(
    uscc: UsccPath, funding: FundingRoundIn, session: SessionDep, principal: PrincipalDep
) -> FundingRoundOut:
    """A funding event; the same stage on the same day twice is a 409."""
    event = service.add_funding_round(session, principal, uscc=uscc, funding=funding)
    return FundingRoundOut.model_validate(event, from_attributes=True)


@router.get(
    "/{uscc}/funding-rounds", response_model=list[FundingRoundOut], summary="A firm's funding"
)
def get_funding_rounds(
    uscc: UsccPath, session: SessionDep, principal: PrincipalDep
) -> list[FundingRoundOut]:
    """Funding rounds, oldest first; 403 for a reviewer conflicted with the firm."""
    return [
        FundingRoundOut.model_validate(r, from_attributes=True)
        for r in service.list_funding_rounds(session, principal, uscc=uscc)
    ]
