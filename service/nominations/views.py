"""HTTP routes of candidate-list intake."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from schemas.intake import COLUMNS
from schemas.nominations import BatchOut, BatchRecordOut, NominationOut
from schemas.pagination import Page
from service.deps import PrincipalDep, SessionDep
from service.errors import UnsupportedMediaType, ValidationFailed
from service.nominations import service
from service.nominations.submission import (
    CSV_TYPES,
    XLSX_TYPES,
    CandidateUpload,
    submit_candidate_list,
)
from service.pagination import PageDep, build_page
from service.params import CohortQuery, IdPath

__all__ = ["router"]

router = APIRouter(tags=["nominations"])

_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/NominationList"},
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


def _format_of(content_type: str, filename: str | None) -> str:
    lowered = (filename or "").lower()
    if lowered.endswith(".xlsx") or content_type in XLSX_TYPES:
        return "xlsx"
    if lowered.endswith((".csv", ".txt")) or content_type in CSV_TYPES:
        return "csv"
    if content_type == "application/json" or lowered.endswith(".json"):
        return "json"
    raise UnsupportedMediaType(
        f"Cannot read {content_type or 'an unlabelled body'}"
        + (f" ({filename})" if filename else "")
        + "; send JSON, CSV or XLSX."
    )


async def read_upload(request: Request) -> CandidateUpload:
    """The candidate list from a JSON body, a multipart ``file`` field, or a raw CSV/XLSX body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=5)
        try:
            part = form.get("file")
            if not isinstance(part, UploadFile):
                raise ValidationFailed(
                    "The multipart body needs a 'file' field holding the list.",
                    errors=[{"loc": ["body", "file"], "message": "missing file"}],
                )
            content = await part.read()
            part_type = (part.content_type or "").split(";")[0].strip().lower()
            return CandidateUpload(
                content=content,
                format=_format_of(part_type, part.filename),
                filename=part.filename,
                content_type=part_type or None,
            )
        finally:
            await form.close()
    body = await request.body()
    return CandidateUpload(
        content=body,
        format=_format_of(content_type, None),
        filename=None,
        content_type=content_type or None,
    )


@router.post(
    "/v1/rounds/{round_id}/nominations",
    status_code=201,
    summary="Submit a candidate list (JSON, CSV or XLSX)",
    openapi_extra=_UPLOAD_DOC,
    response_model=BatchOut,
)
def post_nominations(
    round_id: IdPath,
    upload: Annotated[CandidateUpload, Depends(read_upload)],
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    mode: Literal["all", "partial"] = "all",
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Every row is validated first. By default nothing is stored if any row is bad (422 with
    every bad row's number, field and reason); ``mode=partial`` stores the good rows and reports
    the rest. An ``Idempotency-Key`` makes retries safe."""
    stored = submit_candidate_list(
        session,
        principal,
        round_id=round_id,
        upload=upload,
        mode=mode,
        idempotency_key=idempotency_key,
        path=request.url.path,
        settings=request.app.state.settings,
        metrics=request.app.state.metrics,
        staging_sessions=request.app.state.write_sessions,
    )
    return JSONResponse(stored.body, status_code=stored.status_code)


@router.get(
    "/v1/rounds/{round_id}/nominations",
    response_model=Page[NominationOut],
    summary="A round's nominations",
)
def get_nominations(
    round_id: IdPath,
    session: SessionDep,
    cohort: CohortQuery,
    page: PageDep,
) -> Page[NominationOut]:
    """Nominations in submission order, with the firm's name and their state."""
    pairs = service.list_nominations(
        session, round_id=round_id, cohort=cohort, after_id=page.after("id", int), limit=page.fetch
    )
    return build_page(
        pairs,
        page,
        position_of=lambda p: {"id": p[0].id},
        item=lambda p: NominationOut.from_rows(*p),
    )


@router.get(
    "/v1/rounds/{round_id}/batches/{batch_id}",
    response_model=BatchRecordOut,
    summary="A submitted list's record and per-row report",
)
def get_batch(
    round_id: IdPath,
    batch_id: IdPath,
    session: SessionDep,
) -> BatchRecordOut:
    """Who sent it, when, its SHA-256, and every rejected row (the bytes are kept, not returned)."""
    batch = service.get_batch_or_raise(session, round_id=round_id, batch_id=batch_id)
    return BatchRecordOut.model_validate(batch, from_attributes=True)


@router.get("/v1/intake/columns", summary="The candidate-list column contract")
def get_columns() -> list[dict[str, Any]]:
    """Every column with its Chinese aliases, whether it is required, and its type."""
    return [column.model_dump() for column in COLUMNS]
