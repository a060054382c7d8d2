"""Stored schemes: the bundled ones on first use, versions posted by admins, evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import scoring
import seed_data.schemes
from schemas.intake import NominationRow
from schemas.schemes import EvaluateRequest
from service import audit, intake
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import StoredScheme
from service.schemes.frames import frames_from_rows

__all__ = [
    "create",
    "ensure_bundled",
    "evaluate",
    "evaluate_rows",
    "get_active_for_cohort",
    "get_or_raise",
    "list_schemes",
    "to_scheme",
]

_BUNDLED_BY = "bundled"


def _stored_from(scheme: scoring.Scheme, *, created_by: str) -> StoredScheme:
    return StoredScheme(
        scheme_id=scheme.id,
        version=scheme.version,
        cohort=scheme.cohort,
        title=scheme.title,
        document=scheme.model_dump(mode="json", exclude_none=True),
        fingerprint=scoring.scheme_fingerprint(scheme),
        created_by=created_by,
    )


@cache
def _bundled() -> tuple[scoring.Scheme, ...]:
    """Every bundled version, parsed once per process, lowest version first."""
    return seed_data.schemes.load_every_bundled_version()


def ensure_bundled(session: Session) -> None:
    """Store each bundled version above every stored version of its id, so a database seeded
    with version 1 gains version 2, and an admin's own later version is never undercut."""
    latest: dict[str, int] = {
        scheme_id: version
        for scheme_id, version in session.execute(
            select(StoredScheme.scheme_id, func.max(StoredScheme.version)).group_by(
                StoredScheme.scheme_id
            )
        )
    }
    for scheme in _bundled():
        if scheme.version > latest.get(scheme.id, 0):
            session.add(_stored_from(scheme, created_by=_BUNDLED_BY))
            latest[scheme.id] = scheme.version
    session.flush()


def to_scheme(stored: StoredScheme) -> scoring.Scheme:
    """The scoring library's scheme for a stored version, parsed on each call.

    Parsing takes 0.1-0.3 ms for the bundled schemes, less than the query that loaded the row,
    so no cache (and no state shared between apps) is kept for it.
    """
    return scoring.load_scheme(stored.document)


def _problems(exc: scoring.SchemeError) -> list[dict[str, Any]]:
    problems = getattr(exc, "problems", None)
    if isinstance(problems, list) and problems:
        return [{"loc": ["body", str(path)], "message": str(message)} for path, message in problems]
    return [{"loc": ["body"], "message": str(exc)}]


def create(session: Session, principal: Principal, *, document: Mapping[str, Any]) -> StoredScheme:
    """Store a new version; versions only go up, and a stored version never changes."""
    try:
        scheme = scoring.load_scheme(document)
    except scoring.SchemeError as exc:
        raise ValidationFailed(f"The scheme is invalid: {exc}", errors=_problems(exc)) from None
    ensure_bundled(session)
    latest = session.scalar(
        select(func.max(StoredScheme.version)).where(StoredScheme.scheme_id == scheme.id)
    )
    fingerprint = scoring.scheme_fingerprint(scheme)
    if latest is not None and scheme.version <= latest:
        same = session.scalars(
            select(StoredScheme).where(
                StoredScheme.scheme_id == scheme.id, StoredScheme.version == scheme.version
            )
        ).one_or_none()
        if same is not None and same.fingerprint == fingerprint:
            return same
        raise Conflict(
            f"Scheme {scheme.id!r} is at version {latest}; a stored version never changes, "
            f"so post version {latest + 1} or later.",
            extra={"latest_version": latest},
        )
    stored = _stored_from(scheme, created_by=principal.label)
    session.add(stored)
    session.flush()
    audit.record(
        session,
        principal,
        action="scheme.create",
        target_type="scheme",
        target_id=f"{scheme.id}@{scheme.version}",
        detail={"fingerprint": fingerprint, "cohort": scheme.cohort},
    )
    return stored


def list_schemes(session: Session, *, cohort: str | None = None) -> list[StoredScheme]:
    """Every stored version, by scheme id then version."""
    ensure_bundled(session)
    query = select(StoredScheme).order_by(StoredScheme.scheme_id, StoredScheme.version)
    if cohort is not None:
        query = query.where(StoredScheme.cohort == cohort)
    return list(session.scalars(query))


def get_or_raise(session: Session, scheme_id: str, *, version: int | None = None) -> StoredScheme:
    """A stored version (the latest when ``version`` is None), or a 404."""
    ensure_bundled(session)
    query = select(StoredScheme).where(StoredScheme.scheme_id == scheme_id)
    if version is not None:
        query = query.where(StoredScheme.version == version)
    stored = session.scalars(query.order_by(StoredScheme.version.desc()).limit(1)).first()
    if stored is None:
        which = f"{scheme_id}@{version}" if version is not None else scheme_id
        raise NotFound(f"No scheme {which} is stored.")
    return stored


def get_active_for_cohort(session: Session, cohort: str) -> tuple[StoredScheme, scoring.Scheme]:
    """The cohort's active scheme: the highest stored version of the scheme named after it.

    Other schemes may declare the cohort too (trials, variants); they can be evaluated, but
    only a new version of ``leader``, ``hidden-champion`` or ``seed`` changes what runs use.
    """
    ensure_bundled(session)
    stored = session.scalars(
        select(StoredScheme)
        .where(StoredScheme.scheme_id == cohort, StoredScheme.cohort == cohort)
        .order_by(StoredScheme.version.desc())
        .limit(1)
    ).first()
    if stored is None:
        raise NotFound(f"No scheme is stored for cohort {cohort!r}.")
    return stored, to_scheme(stored)


def evaluate_rows(
    stored: StoredScheme,
    rows: Sequence[NominationRow],
    *,
    reference_date: dt.date,
    usd_cny: float,
    ratings: pd.DataFrame | None = None,
    capacity: int | None = None,
) -> dict[str, Any]:
    """Score candidate rows under a stored scheme without storing anything."""
    scheme = to_scheme(stored)
    firms, filings, funding = frames_from_rows(rows)
    try:
        indicators = scoring.derive_indicators(
            firms, filings, funding, reference_date=reference_date, usd_cny=usd_cny
        )
        result = scoring.score(scheme, indicators, ratings=ratings, capacity=capacity)
    except scoring.ScoringInputError as exc:
        raise ValidationFailed(f"The firms cannot be scored: {exc}") from None
    return {
        "scheme": {
            "id": stored.scheme_id,
            "version": stored.version,
            "fingerprint": stored.fingerprint,
        },
        "reference_date": reference_date.isoformat(),
        "firms": len(firms),
        "results": scoring.explain_all(result),
    }


def evaluate(
    session: Session,
    scheme_id: str,
    *,
    version: int | None,
    request: EvaluateRequest,
    usd_cny: float,
    max_rows: int,
) -> dict[str, Any]:
    """Validate posted firm rows (at most ``max_rows``) and score them under a stored scheme
    version; stores nothing, and one bad row is a 422 listing every bad row."""
    stored = get_or_raise(session, scheme_id, version=version)
    parsed = intake.rows_from_json(request.rows, max_rows=max_rows)
    if parsed.errors:
        raise ValidationFailed(
            f"{len(parsed.rejected_rows) or 1} row(s) are invalid; nothing was evaluated.",
            errors=[{"row": e.row, "field": e.field, "message": e.message} for e in parsed.errors],
        )
    ratings = pd.DataFrame([r.model_dump() for r in request.ratings]) if request.ratings else None
    return evaluate_rows(
        stored,
        [row for _, row in parsed.rows],
        reference_date=request.reference_date,
        usd_cny=usd_cny,
        ratings=ratings,
        capacity=request.capacity,
    )
