"""Candidate-list intake: every row validated, staged in short transactions, then firms, filings,
funding rounds and nominations published set-based in one."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from schemas.intake import NominationRow
from schemas.nominations import BatchOut
from schemas.problems import RowProblem
from service import audit, intake, pagination
from service.bulk import upsert_rows
from service.db import create_sessionmaker
from service.errors import NotFound, ValidationFailed
from service.firms import service as firms_service
from service.keys import Principal
from service.models import Base, Firm, Nomination, NominationBatch, utcnow
from service.nominations import staging
from service.rounds import service as rounds_service

__all__ = [
    "StagedList",
    "discard_staged",
    "get_batch_or_raise",
    "list_nominations",
    "stage_candidate_list",
    "store_candidate_list",
]

Mode = Literal["all", "partial"]


@dataclass(frozen=True, slots=True)
class StagedList:
    """A list's valid rows: ``rows`` of them, staged under ``key``."""

    key: str
    rows: int


def store_csv_in_session(
    session: Session, principal: Principal, *, round_id: int, payload: bytes, filename: str
) -> BatchOut:
    """Nominate a trusted CSV (the demo's) all-or-nothing inside ``session``'s own transaction,
    staging on its connection rather than in transactions of its own."""
    parsed = intake.parse_candidate_list(
        payload,
        filename=filename,
        content_type="text/csv",
        max_rows=1_000_000,
        max_xlsx_uncompressed=0,
    )
    staged = stage_candidate_list(
        create_sessionmaker(session.connection()), rows=parsed.rows, issues=parsed.errors
    )
    report = store_candidate_list(
        session,
        principal,
        round_id=round_id,
        staged=staged,
        issues=parsed.errors,
        rows_total=parsed.rows_seen,
        payload=payload,
        fmt="csv",
        filename=filename,
        mode="all",
    )
    staging.publish_done(session, staged.key)
    return report


def stage_candidate_list(
    sessions: sessionmaker[Session],
    *,
    rows: Sequence[tuple[int, NominationRow]],
    issues: Sequence[RowProblem],
) -> StagedList:
    """Stage the rows no issue names, in short transactions of their own (``staging.stage``)."""
    bad_rows = {issue.row for issue in issues}
    good = [(number, row) for number, row in rows if number not in bad_rows]
    # Even a list that will be refused is staged: its report names cohort conflicts too.
    return StagedList(key=staging.stage(sessions, good), rows=len(good))


def discard_staged(sessions: sessionmaker[Session], staged: StagedList) -> None:
    """Drop a list's staged rows, after its import failed or its publish committed."""
    staging.discard(sessions, staged.key)


def _cohort_conflicts(session: Session, round_id: int, staged: StagedList) -> list[RowProblem]:
    """Rows that nominate a firm already nominated for another cohort in this round."""
    return [
        RowProblem(
            row=number,
            field="cohort",
            message=f"firm {uscc} is already nominated for {cohort!r} in this round; "
            "a firm is nominated for one cohort per round",
        )
        for number, uscc, cohort in staging.cohort_conflicts(session, staged.key, round_id)
    ]


def store_candidate_list(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    staged: StagedList,
    issues: Sequence[RowProblem],
    rows_total: int,
    payload: bytes,
    fmt: str,
    filename: str | None,
    mode: Mode,
) -> BatchOut:
    """Publish a staged list; all-or-nothing unless ``mode`` is ``partial``; every bad row is
    reported. The staged rows stay: the caller discards them once this transaction commits."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, "open", doing="nominating")
    conflicts = _cohort_conflicts(session, round_id, staged)
    all_issues = sorted([*issues, *conflicts], key=lambda i: (i.row or 0, i.field or ""))
    stored = staged.rows - len({issue.row for issue in conflicts})
    errors = [issue.model_dump() for issue in all_issues]
    rejected = rows_total - stored
    if all_issues and (mode == "all" or not stored):
        raise ValidationFailed(
            f"{rejected} of {rows_total} row(s) are invalid; nothing was stored."
            + (" Send ?mode=partial to store the valid rows." if mode == "all" and stored else ""),
            errors=errors,
            extra={"rows_total": rows_total, "rows_rejected": rejected},
        )
    if conflicts:
        staging.drop_conflicting(session, staged.key, round_id)

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
        rows_stored=stored,
        rows_rejected=rejected,
        errors=errors,
    )
    session.add(batch)
    session.flush()
    now = utcnow()
    firms_before = _count(session, Firm)
    nominations_before = _count(session, Nomination, Nomination.round_id == round_id)
    firms_service.store_profiles(session, staging.profiles(staged.key), now=now)
    firms_service.store_filings(session, staging.filings(staged.key), batch_id=batch.id, now=now)
    firms_service.store_funding_rounds(
        session, staging.funding_rounds(staged.key), batch_id=batch.id, now=now
    )
    upsert_rows(
        session,
        Nomination,
        staging.nominations(staged.key),
        conflict_columns=("round_id", "uscc"),
        update_columns=("batch_id", "nominated_by", "updated_at"),
        constants={
            "round_id": round_id,
            "batch_id": batch.id,
            "nominated_by": principal.label,
            "state": "nominated",
            "created_at": now,
            "updated_at": now,
        },
    )
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
            "rows_stored": stored,
            "rows_rejected": rejected,
            "content_sha256": batch.content_sha256,
        },
    )
    return BatchOut(
        batch_id=batch.id,
        round_id=round_id,
        mode=mode,
        format=fmt,
        rows_total=rows_total,
        rows_stored=stored,
        rows_rejected=rejected,
        firms_created=_count(session, Firm) - firms_before,
        nominations_created=(
            _count(session, Nomination, Nomination.round_id == round_id) - nominations_before
        ),
        errors=all_issues,
    )


def _count(session: Session, model: type[Base], *where: ColumnElement[bool]) -> int:
    """Rows of ``model`` (a count of the smallest index: cheaper than matching 100,000 keys)."""
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


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
    query = pagination.keyset(
        select(Nomination, Firm)
        .join(Firm, Firm.uscc == Nomination.uscc)
        .where(Nomination.round_id == round_id),
        Nomination.id,
        after=after_id,
        limit=limit,
    )
    if cohort is not None:
        query = query.where(Nomination.cohort == cohort)
    return [(n, f) for n, f in session.execute(query)]
