"""Reviewer profiles and their assignment to nominations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.scalars import LongText, SectorCode, ShortText

__all__ = [
    "AssignRequest",
    "AssignmentEditIn",
    "AssignmentOut",
    "AssignmentsOut",
    "CohortProgressOut",
    "ProgressOut",
    "ReviewerIn",
    "ReviewerOut",
    "ReviewerProgressOut",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewerIn(_In):
    """A reviewer profile: expertise by sector, affiliations that rule out firms, notes."""

    name: ShortText
    sectors: list[SectorCode] = Field(default_factory=list, max_length=30)
    affiliations: list[ShortText] = Field(
        default_factory=list,
        max_length=50,
        description="USCCs or organisation names; the reviewer is never assigned those firms.",
    )
    notes: LongText | None = None

    @field_validator("sectors", "affiliations")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class ReviewerOut(BaseModel):
    """A stored reviewer profile."""

    id: int
    name: str
    sectors: list[str]
    affiliations: list[str]
    notes: str | None
    created_at: datetime


class AssignRequest(_In):
    """How to assign a cohort's nominations: ``reviewers_per_nomination`` each, loads balanced
    (or at most ``max_load`` each)."""

    reviewers_per_nomination: int = Field(default=3, strict=True, ge=1, le=50)
    max_load: int | None = Field(default=None, strict=True, ge=1, le=100_000)


class AssignmentEditIn(_In):
    """A manual edit: add or remove one reviewer on one nomination, with a reason."""

    action: Literal["add", "remove"]
    nomination_id: int = Field(strict=True, ge=1, le=2**31 - 1)
    reviewer_id: int = Field(strict=True, ge=1, le=2**31 - 1)
    reason: LongText


class AssignmentOut(BaseModel):
    """One assignment and why it was made."""

    id: int
    round_id: int
    cohort: str
    nomination_id: int
    uscc: str
    reviewer_id: int
    reviewer_name: str
    source: Literal["solver", "manual"]
    sector_match: bool
    reason: str
    created_by: str
    created_at: datetime


class AssignmentsOut(BaseModel):
    """Assignments of a round (or of the caller, for a reviewer)."""

    items: list[AssignmentOut]


class ReviewerProgressOut(BaseModel):
    """One reviewer in a cohort: firms fully rated of assigned, ratings given of owed."""

    reviewer_id: int
    name: str
    firms_done: int
    firms_assigned: int
    ratings_given: int
    ratings_required: int
    behind: bool


class CohortProgressOut(BaseModel):
    """A cohort's assignment and rating progress: nominations assigned, ratings given of owed
    (assignments × the scheme's reviewer-rated criteria), and each reviewer's share."""

    cohort: str
    nominations: int
    assigned_nominations: int
    assignments: int
    ratings_given: int
    ratings_required: int
    reviewers: list[ReviewerProgressOut]

    @property
    def behind(self) -> list[ReviewerProgressOut]:
        """The reviewers with ratings still to give, most owed first."""
        return sorted(
            (r for r in self.reviewers if r.behind),
            key=lambda r: (r.ratings_given - r.ratings_required, r.name),
        )


class ProgressOut(BaseModel):
    """Assignment and rating progress of a round, per cohort."""

    round_id: int
    cohorts: list[CohortProgressOut]
