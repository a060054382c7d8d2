"""Candidate-list intake: every row validated, then firms, filings, rounds and nominations stored
set-based."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schemas.intake import NominationRow
from schemas.problems import RowProblem
from schemas.uscc import uscc_region
from service import audit
from service.bulk import upsert_rows
from service.errors import NotFound, ValidationFailed
from service.firms import service as firms_service
from service.keys import Principal
from service.models import (
    Firm,
    Nomination,
    NominationBatch,
    utcnow,
)
from service.rounds import service as rounds_service

__all__ = [
    "BatchReport",
    "get_batch_or_raise",
    "list_nominations",
    "store_candidate_list",
]

Mode = Literal["all", "partial"]
_CHUNK_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What happened to a submitted list."""

    batch_id: int
    round_id: int
    mode: Mode
    format: str
    rows_total: int
    rows_stored: int
    rows_rejected: int
    firms_created: int
    nominations_created: int
    errors: list[RowProblem]

    def as_dict(self) -> dict[str, Any]:
        """JSON form of the report."""
        return {
            "batch_id": self.batch_id,
            "round_id": self.round_id,
            "mode": self.mode,
            "format": self.format,
            "rows_total": self.rows_total,
            "rows_stored": self.rows_stored,
            "rows_rejected": self.rows_rejected,
            "firms_created": self.firms_created,
            "nominations_created": self.nominations_created,
            "errors": [error.model_dump() for error in self.errors],
        }


def _cohort_conflicts(
    session: Session, round_id: int, rows: Sequence[tuple[int, NominationRow]]
) -> list[RowProblem]:
    """Rows that nominate a firm already nominated for another cohort in this round."""
    existing = {
        uscc: cohort
        for uscc, cohort in session.execute(
            select(Nomination.uscc, Nomination.cohort).where(Nomination.round_id == round_id)
        )
    }
    issues = []
    for number, row in rows:
        cohort = existing.get(row.uscc)
        if cohort is not None and cohort != row.cohort:
            issues.append(
                RowProblem(
                    row=number,
                    field="cohort",
                    message=f"firm {row.uscc} is already nominated for {cohort!r} in this round; "
                    "a firm is nominated for one cohort per round",
                )
            )
    return issues


def store_candidate_list(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    rows: Sequence[tuple[int, NominationRow]],
    issues: Sequence[RowProblem],
    rows_total: int,
    payload: bytes,
    fmt: str,
    filename: str | None,
    mode: Mode,
) -> BatchReport:
    """Store the list; all-or-nothing unless ``mode`` is ``partial``; every bad row is reported."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, "open", doing="nominating")
    all_issues = sorted(
        [*issues, *_cohort_conflicts(session, round_id, rows)],
        key=lambda i: (i.row or 0, i.field or ""),
    )
    bad_rows = {issue.row for issue in all_issues}
    good = [(number, row) for number, row in rows if number not in bad_rows]
    errors = [issue.model_dump() for issue in all_issues]
    rejected = rows_total - len(good)
    if all_issues and (mode == "all" or not good):
        raise ValidationFailed(
            f"{rejected} of {rows_total} row(s) are invalid; nothing was stored."
            + (" Send ?mode=partial to store the valid rows." if mode == "all" and good else ""),
            errors=errors,
            extra={"rows_total": rows_total, "rows_rejected": rejected},
        )

    batch = NominationBatch(
        round_id=round_id,
        submitted_by_key_id=principal.key_id,
        submitted_by=principal.label,
        format=fmt,
        filename=filename,
        mode=mode,
        content_sha256=hashlib.sha256(payload).hexdigest(),
        payload=payload,
        rows_total=rows_total,
        rows_stored=len(good),
        rows_rejected=rejected,
        errors=errors,
    )
    session.add(batch)
    session.flush()
    now = utcnow()
    firms_before = _count_existing_firms(session, {row.uscc for _, row in good})
    nominations_before = (
        session.scalar(
            select(func.count()).select_from(Nomination).where(Nomination.round_id == round_id)
        )
        or 0
    )
    # Chunks bound the memory of the parameter lists; each chunk is one statement per table.
    for start in range(0, len(good), _CHUNK_ROWS):
        chunk = good[start : start + _CHUNK_ROWS]
        _store_firms(session, chunk, now)
        _store_filings(session, chunk, batch.id, now)
        _store_funding(session, chunk, batch.id, now)
        _store_nominations(session, chunk, round_id, batch.id, principal.label, now)
    nominations_after = (
        session.scalar(
            select(func.count()).select_from(Nomination).where(Nomination.round_id == round_id)
        )
        or 0
    )
    firms_created = len({row.uscc for _, row in good}) - firms_before
    audit.record(
        session,
        principal,
        action="nominations.submit",
        target_type="nomination_batch",
        target_id=batch.id,
        detail={
            "round_id": round_id,
            "format": fmt,
            "filename": filename,
            "mode": mode,
            "rows_total": rows_total,
            "rows_stored": len(good),
            "rows_rejected": rejected,
            "content_sha256": batch.content_sha256,
        },
    )
    return BatchReport(
        batch_id=batch.id,
        round_id=round_id,
        mode=mode,
        format=fmt,
        rows_total=rows_total,
        rows_stored=len(good),
        rows_rejected=rejected,
        firms_created=firms_created,
        nominations_created=nominations_after - nominations_before,
        errors=all_issues,
    )


def _count_existing_firms(session: Session, usccs: set[str]) -> int:
    """How many of ``usccs`` are registered already (chunked under bind-parameter limits)."""
    ordered = sorted(usccs)
    total = 0
    for start in range(0, len(ordered), 10_000):
        chunk = ordered[start : start + 10_000]
        total += (
            session.scalar(select(func.count()).select_from(Firm).where(Firm.uscc.in_(chunk))) or 0
        )
    return total


def _store_firms(session: Session, good: Sequence[tuple[int, NominationRow]], now: Any) -> None:
    profiles = {
        row.uscc: {
            "uscc": row.uscc,
            "region": uscc_region(row.uscc),
            **{name: getattr(row, name) for name in firms_service.PROFILE_FIELDS},
        }
        for _, row in good
    }
    firms_service.store_profiles(session, list(profiles.values()), now=now)


def _store_filings(
    session: Session, good: Sequence[tuple[int, NominationRow]], batch_id: int, now: Any
) -> None:
    filings = [
        {
            "uscc": row.uscc,
            "fiscal_year": row.fiscal_year,
            **{name: getattr(row, name) for name in firms_service.FIGURES},
        }
        for _, row in good
        if row.fiscal_year is not None
    ]
    firms_service.store_filings(session, filings, batch_id=batch_id, now=now)


def _store_funding(
    session: Session, good: Sequence[tuple[int, NominationRow]], batch_id: int, now: Any
) -> None:
    events = {
        (row.uscc, row.round_date, row.round_stage): {
            "uscc": row.uscc,
            "announced_on": row.round_date,
            "stage": row.round_stage,
            "amount": row.round_amount,
            "post_money_valuation": row.round_valuation,
        }
        for _, row in good
        if row.round_date is not None and row.round_stage is not None
    }
    firms_service.store_funding_rounds(session, list(events.values()), batch_id=batch_id, now=now)


def _store_nominations(
    session: Session,
    good: Sequence[tuple[int, NominationRow]],
    round_id: int,
    batch_id: int,
    nominated_by: str,
    now: Any,
) -> None:
    nominations: dict[str, dict[str, Any]] = {}
    for _, row in good:
        nominations[row.uscc] = {
            "round_id": round_id,
            "uscc": row.uscc,
            "cohort": row.cohort,
            "batch_id": batch_id,
            "nominated_by": nominated_by,
            "state": "nominated",
            "created_at": now,
            "updated_at": now,
        }
    upsert_rows(
        session,
        Nomination,
        list(nominations.values()),
        conflict_columns=("round_id", "uscc"),
        update_columns=("batch_id", "nominated_by", "updated_at"),
    )


def get_batch_or_raise(session: Session, *, round_id: int, batch_id: int) -> NominationBatch:
    """A submitted batch of this round, or a 404."""
    batch = session.get(NominationBatch, batch_id)
    if batch is None or batch.round_id != round_id:
        raise NotFound(f"Round {round_id} has no batch {batch_id}.")
    return batch


def list_nominations(
    session: Session,
    *,
    round_id: int,
    cohort: str | None,
    after_id: int | None,
    limit: int,
) -> list[tuple[Nomination, Firm]]:
    """A round's nominations with their firms, in id order after the cursor."""
    rounds_service.get_or_raise(session, round_id)
    query = (
        select(Nomination, Firm)
        .join(Firm, Firm.uscc == Nomination.uscc)
        .where(Nomination.round_id == round_id)
        .order_by(Nomination.id)
        .limit(limit)
    )
    if cohort is not None:
        query = query.where(Nomination.cohort == cohort)
    if after_id is not None:
        query = query.where(Nomination.id > after_id)
    return [(n, f) for n, f in session.execute(query)]
