"""The intake use case end to end: replay check, parse, validate, store, remember."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from service.errors import UnsupportedMediaType, ValidationFailed
from service.idempotency import StoredResponse, find_replay, fingerprint, remember
from service.intake import ParsedList, parse_candidate_list, rows_from_json
from service.keys import Principal
from service.metrics import Metrics
from service.nominations import service as nominations_service
from service.nominations.service import Mode, StagedList
from service.settings import Settings

__all__ = ["CandidateUpload", "submit_candidate_list"]

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})
XLSX_TYPES = frozenset(
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"}
)


@dataclass(frozen=True, slots=True)
class CandidateUpload:
    """A submitted list as received: bytes, and what the client said they are."""

    content: bytes
    format: str  # json | csv | xlsx
    filename: str | None
    content_type: str | None


def _parse(upload: CandidateUpload, settings: Settings) -> ParsedList:
    if upload.format == "json":
        try:
            document = json.loads(upload.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed(
                f"The body is not valid JSON: {exc}",
                errors=[{"loc": ["body"], "message": "invalid JSON"}],
            ) from None
        return rows_from_json(document, max_rows=settings.max_rows)
    if upload.format in ("csv", "xlsx"):
        return parse_candidate_list(
            upload.content,
            filename=upload.filename,
            content_type=upload.content_type,
            max_rows=settings.max_rows,
            max_xlsx_uncompressed=settings.max_xlsx_uncompressed_bytes,
        )
    raise UnsupportedMediaType(
        "Send JSON, a CSV or an XLSX file (multipart field 'file', or the raw body)."
    )


def submit_candidate_list(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    upload: CandidateUpload,
    mode: Mode,
    idempotency_key: str | None,
    path: str,
    settings: Settings,
    metrics: Metrics,
    staging_sessions: sessionmaker[Session],
) -> StoredResponse:
    """Store a candidate list, or replay the first response to the same ``Idempotency-Key``.

    The rows are staged through ``staging_sessions``, in short transactions of their own, before
    ``session`` (the request's) is first used: on SQLite its first query takes the write lock,
    which it then holds only while the staged rows are published. They are deleted, again
    through ``staging_sessions``, once ``session`` commits.
    """
    request_sha = fingerprint(upload.format, mode, upload.filename or "", upload.content)
    # Parse and validate before the first query: a 100,000-row parse must hold no lock.
    parsed = _parse(upload, settings)
    if idempotency_key is not None:
        # A quick look first, so a replayed list is not staged again for nothing.
        with staging_sessions() as lookup:
            replay = _replay(lookup, principal, idempotency_key, path, request_sha)
        if replay is not None:
            return replay
    if parsed.refused:
        metrics.observe_intake(status=422, rows_stored=0, rows_rejected=parsed.rows_seen)
        raise ValidationFailed(
            "The list could not be read: " + "; ".join(e.message for e in parsed.errors),
            errors=[error.model_dump() for error in parsed.errors],
        )
    staged = nominations_service.stage_candidate_list(
        staging_sessions, rows=parsed.rows, issues=parsed.errors
    )
    try:
        # The authoritative look, in the publishing transaction: a twin request may have won.
        if idempotency_key is not None:
            replay = _replay(session, principal, idempotency_key, path, request_sha)
            if replay is not None:
                _abandon(session, staging_sessions, staged)
                return replay
        report = nominations_service.store_candidate_list(
            session,
            principal,
            round_id=round_id,
            staged=staged,
            issues=parsed.errors,
            rows_total=parsed.rows_seen,
            payload=upload.content,
            fmt=upload.format,
            filename=upload.filename,
            mode=mode,
        )
        response = StoredResponse(status_code=201, body=report.model_dump())
        if idempotency_key is not None:
            remember(
                session,
                principal,
                key=idempotency_key,
                method="POST",
                path=path,
                request_sha256=request_sha,
                response=response,
            )
    except ValidationFailed as refusal:
        rejected = int(refusal.extra.get("rows_rejected", parsed.rows_seen))
        metrics.observe_intake(status=422, rows_stored=0, rows_rejected=rejected)
        _abandon(session, staging_sessions, staged)
        raise
    except BaseException:
        _abandon(session, staging_sessions, staged)
        raise
    metrics.observe_intake(
        status=201, rows_stored=report.rows_stored, rows_rejected=report.rows_rejected
    )
    # Deleting the staged rows inside the publishing transaction would hold the write lock the
    # longer: they go once it has committed, in short transactions of their own.
    event.listen(
        session,
        "after_commit",
        lambda _committed: nominations_service.discard_staged(staging_sessions, staged),
        once=True,
    )
    return response


def _replay(
    session: Session, principal: Principal, key: str, path: str, request_sha: str
) -> StoredResponse | None:
    return find_replay(
        session, principal, key=key, method="POST", path=path, request_sha256=request_sha
    )


def _abandon(session: Session, staging_sessions: sessionmaker[Session], staged: StagedList) -> None:
    """Undo a failed publish and drop its staged rows."""
    # Roll back first: on SQLite the request's transaction holds the lock the cleanup needs.
    session.rollback()
    nominations_service.discard_staged(staging_sessions, staged)
