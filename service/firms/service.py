"""Firm registry use cases: profiles, yearly filings and funding rounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas.firms import FilingIn, FirmIn, FundingRoundIn
from schemas.uscc import uscc_region
from scoring.vocabulary import FILING_FIELDS
from service import audit, pagination
from service.bulk import Source, upsert_rows
from service.conditional import etag_for, etag_matches
from service.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from service.keys import Principal
from service.models import Filing, Firm, FundingRound, ReviewConflict, utcnow

__all__ = [
    "FIGURES",
    "PROFILE_FIELDS",
    "add_funding_round",
    "firm_etag",
    "get_by_uscc_or_raise",
    "list_filings",
    "list_firms",
    "list_funding_rounds",
    "store_filings",
    "store_funding_rounds",
    "store_profiles",
    "upsert_filing",
    "upsert_firm",
]


def firm_etag(firm: Firm) -> str:
    """The firm profile's entity tag, which changes with every update."""
    return etag_for("firm", firm.uscc, firm.version)


def get_by_uscc_or_raise(session: Session, uscc: str) -> Firm:
    """The firm registered under ``uscc``, or a 404."""
    firm = session.get(Firm, uscc)
    if firm is None:
        raise NotFound(f"No firm is registered under USCC {uscc}.")
    return firm


def upsert_firm(
    session: Session,
    principal: Principal,
    *,
    uscc: str,
    profile: FirmIn,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> tuple[Firm, bool]:
    """Create or update a profile; ``If-Match`` guards against lost updates (412 when stale)."""
    firm = session.get(Firm, uscc, with_for_update=True)
    values = profile.model_dump()
    if firm is None:
        if if_match is not None:
            raise PreconditionFailed(f"If-Match was sent but no firm exists under {uscc}.")
        firm = Firm(uscc=uscc, region=uscc_region(uscc), version=1, **values)
        session.add(firm)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"Firm {uscc} was created concurrently; retry.") from None
        audit.record(
            session,
            principal,
            action="firm.create",
            target_type="firm",
            target_id=uscc,
            detail=values_for_audit(values),
        )
        return firm, True
    if if_none_match is not None and etag_matches(if_none_match, firm_etag(firm)):
        raise PreconditionFailed(f"Firm {uscc} already exists (If-None-Match: *).")
    if if_match is not None and not etag_matches(if_match, firm_etag(firm)):
        raise PreconditionFailed(
            f"The profile of {uscc} changed since you read it: it is now at {firm_etag(firm)}. "
            "Read it again and re-apply your change.",
            extra={"current_etag": firm_etag(firm)},
        )
    changed = {k: v for k, v in values.items() if getattr(firm, k) != v}
    if "founded_on" in changed:
        _check_founded_before_filings(session, uscc=uscc, founded_on=profile.founded_on)
    if changed:
        for key, value in changed.items():
            setattr(firm, key, value)
        firm.version += 1
        firm.updated_at = utcnow()
        audit.record(
            session,
            principal,
            action="firm.update",
            target_type="firm",
            target_id=uscc,
            detail=values_for_audit(changed),
        )
    return firm, False


def _check_founded_before_filings(session: Session, *, uscc: str, founded_on: dt.date) -> None:
    """Refuse a founding year after the firm's earliest filed fiscal year."""
    earliest = session.scalar(select(func.min(Filing.fiscal_year)).where(Filing.uscc == uscc))
    if earliest is not None and founded_on.year > earliest:
        raise ValidationFailed(
            f"founded_on ({founded_on.isoformat()}) is after the firm's own filing for fiscal "
            f"year {earliest}.",
            errors=[{"loc": ["body", "founded_on"], "message": f"after fiscal year {earliest}"}],
        )


def values_for_audit(values: dict[str, Any]) -> dict[str, Any]:
    """Values made JSON-safe for the audit trail."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in values.items()
    }


def list_firms(
    session: Session,
    *,
    after_uscc: str | None,
    limit: int,
    sector: str | None = None,
    region: str | None = None,
    listed: bool | None = None,
    name_contains: str | None = None,
) -> list[Firm]:
    """Firms in USCC order after the cursor, filtered."""
    query = pagination.keyset(select(Firm), Firm.uscc, after=after_uscc, limit=limit)
    if sector is not None:
        query = query.where(Firm.sector == sector)
    if region is not None:
        query = query.where(Firm.region == region)
    if listed is not None:
        query = query.where(Firm.listed == listed)
    if name_contains:
        pattern = "%" + name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        query = query.where(
            Firm.name.like(pattern, escape="\\") | Firm.name_en.ilike(pattern, escape="\\")
        )
    return list(session.scalars(query))


def upsert_filing(
    session: Session, principal: Principal, *, uscc: str, fiscal_year: int, figures: FilingIn
) -> tuple[Filing, bool]:
    """Create or replace a firm's figures for one fiscal year (omitted figures become unknown)."""
    firm = get_by_uscc_or_raise(session, uscc)
    if fiscal_year < firm.founded_on.year:
        raise ValidationFailed(
            f"Fiscal year {fiscal_year} is before the firm was founded ({firm.founded_on}).",
            errors=[{"loc": ["path", "fiscal_year"], "message": "before the founding year"}],
        )
    values = figures.model_dump()
    filing = session.get(Filing, (uscc, fiscal_year), with_for_update=True)
    created = filing is None
    if filing is None:
        filing = Filing(uscc=uscc, fiscal_year=fiscal_year, **values)
        session.add(filing)
    else:
        for key, value in values.items():
            setattr(filing, key, value)
        filing.updated_at = utcnow()
        filing.source_batch_id = None
    session.flush()
    audit.record(
        session,
        principal,
        action="filing.create" if created else "filing.replace",
        target_type="filing",
        target_id=f"{uscc}/{fiscal_year}",
        detail=values,
    )
    return filing, created


def _require_no_conflict(session: Session, principal: Principal, uscc: str) -> None:
    """A 403 for a reviewer who declared a conflict with the firm: its figures are hidden."""
    if principal.reviewer_id is None:
        return
    conflicted = session.scalar(
        select(ReviewConflict.id)
        .where(ReviewConflict.uscc == uscc, ReviewConflict.reviewer_id == principal.reviewer_id)
        .limit(1)
    )
    if conflicted is not None:
        raise Forbidden(
            f"You declared a conflict of interest with firm {uscc}; its figures are hidden "
            "from you."
        )


def list_filings(session: Session, principal: Principal, *, uscc: str) -> list[Filing]:
    """A firm's filings, oldest year first (not for a reviewer conflicted with it)."""
    get_by_uscc_or_raise(session, uscc)
    _require_no_conflict(session, principal, uscc)
    return list(
        session.scalars(select(Filing).where(Filing.uscc == uscc).order_by(Filing.fiscal_year))
    )


def add_funding_round(
    session: Session, principal: Principal, *, uscc: str, funding: FundingRoundIn
) -> FundingRound:
    """Record a funding event; the same stage on the same day twice is a 409."""
    get_by_uscc_or_raise(session, uscc)
    values = funding.model_dump()
    duplicate = session.scalars(
        select(FundingRound.id).where(
            FundingRound.uscc == uscc,
            FundingRound.announced_on == funding.announced_on,
            FundingRound.stage == funding.stage,
        )
    ).first()
    if duplicate is not None:
        raise Conflict(
            f"A {funding.stage} round of {uscc} on {funding.announced_on} is already recorded "
            f"(id {duplicate}).",
            extra={"existing_id": duplicate},
        )
    event = FundingRound(uscc=uscc, **values)
    session.add(event)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("That funding round was recorded concurrently.") from None
    audit.record(
        session,
        principal,
        action="funding_round.create",
        target_type="funding_round",
        target_id=event.id,
        detail=values_for_audit(values),
    )
    return event


def list_funding_rounds(
    session: Session, principal: Principal, *, uscc: str
) -> list[FundingRound]:
    """A firm's funding rounds, oldest first (not for a reviewer conflicted with it)."""
    get_by_uscc_or_raise(session, uscc)
    _require_no_conflict(session, principal, uscc)
    query = (
        select(FundingRound)
        .where(FundingRound.uscc == uscc)
        .order_by(FundingRound.announced_on, FundingRound.id)
    )
    return list(session.scalars(query))


# -- set-based stores, shared by candidate-list intake and the demo loader -----------------------

PROFILE_FIELDS = ("name", "name_en", "founded_on", "sector", "sub_segment", "listed")
FIGURES = tuple(f.name for f in FILING_FIELDS)


def store_profiles(session: Session, profiles: Source, *, now: dt.datetime) -> None:
    """Upsert profiles (``uscc``, ``region``, PROFILE_FIELDS); a changed one gets a new version."""
    upsert_rows(
        session,
        Firm,
        profiles,
        conflict_columns=("uscc",),
        update_columns=(*PROFILE_FIELDS, "updated_at"),
        only_if_changed=PROFILE_FIELDS,
        extra_set={"version": Firm.version + 1},
        constants={"version": 1, "created_at": now, "updated_at": now},
    )


def _provenance(batch_id: int | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Values and update columns for a batch's provenance; a load outside any batch keeps it."""
    return (
        ({"source_batch_id": batch_id}, ("source_batch_id",)) if batch_id is not None else ({}, ())
    )


def store_filings(
    session: Session, filings: Source, *, batch_id: int | None, now: dt.datetime
) -> None:
    """Upsert yearly figures (``uscc``, ``fiscal_year`` and FIGURES), replacing a year's figures."""
    values, columns = _provenance(batch_id)
    upsert_rows(
        session,
        Filing,
        filings,
        conflict_columns=("uscc", "fiscal_year"),
        update_columns=(*FIGURES, *columns, "updated_at"),
        constants={**values, "created_at": now, "updated_at": now},
    )


def store_funding_rounds(
    session: Session, events: Source, *, batch_id: int | None, now: dt.datetime
) -> None:
    """Upsert funding rounds keyed by firm, date and stage (amount and valuation are replaced)."""
    values, columns = _provenance(batch_id)
    upsert_rows(
        session,
        FundingRound,
        events,
        conflict_columns=("uscc", "announced_on", "stage"),
        update_columns=("amount", "post_money_valuation", *columns),
        constants={**values, "created_at": now},
    )
