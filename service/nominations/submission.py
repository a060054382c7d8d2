"""The intake use case end to end: replay check, parse, validate, store, remember."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.errors import UnsupportedMediaType, ValidationFailed
from service.idempotency import StoredResponse, find_replay, fingerprint, remember
from service.intake import ParsedList, parse_candidate_list, rows_from_json
from service.keys import Principal
from service.metrics import Metrics
from service.nominations import service as nominations_service
from service.nominations.service import Mode
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
) -> StoredResponse:
    """Store a candidate list, or replay the first response to the same ``Idempotency-Key``."""
    request_sha = fingerprint(upload.format, mode, upload.filename or "", upload.content)
    # Parse and validate before the first query: on SQLite that query takes the write lock, and
    # a 100,000-row parse must not hold it while every small write waits.
    parsed = _parse(upload, settings)
    if idempotency_key is not None:
        replay = find_replay(
            session,
            principal,
            key=idempotency_key,
            method="POST",
            path=path,
            request_sha256=request_sha,
        )
        if replay is not None:
            return replay
    if parsed.refused:
        metrics.observe_intake(status=422, rows_stored=0, rows_rejected=parsed.rows_seen)
        raise ValidationFailed(
            "The list could not be read: " + "; ".join(e.message for e in parsed.errors),
            errors=[error.model_dump() for error in parsed.errors],
        )
    try:
        report = nominations_service.store_candidate_list(
            session,
            principal,
            round_id=round_id,
            rows=parsed.rows,
            issues=parsed.errors,
            rows_total=parsed.rows_seen,
            payload=upload.content,
            fmt=upload.format,
            filename=upload.filename,
            mode=mode,
        )
    except ValidationFailed as refusal:
        rejected = int(refusal.extra.get("rows_rejected", parsed.rows_seen))
        metrics.observe_intake(status=422, rows_stored=0, rows_rejected=rejected)
        raise
    metrics.observe_intake(
        status=201, rows_stored=report.rows_stored, rows_rejected=report.rows_rejected
    )
    response = StoredResponse(status_code=201, body=report.as_dict())
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
    return response
