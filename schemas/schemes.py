"""Schemes as the API shows them, and the evaluate request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.scalars import CalendarDate, ShortText

__all__ = ["EvaluateRequest", "RatingIn", "SchemeOut", "SchemeSummary"]


class SchemeSummary(BaseModel):
    """One stored version, without its body."""

    scheme_id: str
    version: int
    cohort: str | None
    title: str
    fingerprint: str
    created_by: str
    created_at: datetime
    active: bool = Field(description="True for the version a cohort's score runs use now.")


class SchemeOut(SchemeSummary):
    """One stored version with its full document."""

    document: dict[str, Any]


class RatingIn(BaseModel):
    """A reviewer's rating of a firm on a rated criterion (for evaluation only)."""

    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(max_length=40)
    criterion: ShortText
    reviewer: ShortText
    score: float = Field(strict=True, ge=-1e6, le=1e6)


class EvaluateRequest(BaseModel):
    """Firms in the candidate-list contract (one object per firm and year): scored, not stored."""

    model_config = ConfigDict(extra="forbid")

    reference_date: CalendarDate
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)
    ratings: list[RatingIn] = Field(default_factory=list, max_length=100_000)
    capacity: int | None = Field(default=None, strict=True, ge=1, le=100_000)
