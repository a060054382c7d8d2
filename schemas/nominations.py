"""Nominations and the report on a submitted candidate list."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from schemas.problems import RowProblem

__all__ = ["BatchOut", "BatchRecordOut", "NominationOut"]

class BatchOut(BaseModel):
    """What happened to a submitted list."""

    batch_id: int
    round_id: int
    mode: Literal["all", "partial"]
    format: Literal["json", "csv", "xlsx"]
    rows_total: int
    rows_stored: int
    rows_rejected: int
    firms_created: int
    nominations_created: int
    errors: list[RowProblem]


class BatchRecordOut(BaseModel):
    """A stored batch: provenance and its per-row report."""

    id: int
    round_id: int
    submitted_by: str
    format: str
    filename: str | None
    mode: str
    content_sha256: str
    rows_total: int
    rows_stored: int
    rows_rejected: int
    errors: list[RowProblem]
    created_at: datetime


class _FirmLike(Protocol):
    name: str
    sector: str


class NominationOut(BaseModel):
    """A firm put forward for a cohort in a round."""

    id: int
    round_id: int
    uscc: str
    firm_name: str
    sector: str
    cohort: str
    batch_id: int
    nominated_by: str
    state: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_rows(cls, nomination: object, firm: _FirmLike) -> NominationOut:
        """Combine a nomination (any object with this model's other fields) with its firm's name
        and sector."""
        values: dict[str, Any] = {
            name: getattr(nomination, name)
            for name in cls.model_fields
            if name not in ("firm_name", "sector")
        }
        return cls(firm_name=firm.name, sector=firm.sector, **values)
