"""Selection rounds: a year, a reference date, a capacity per cohort, a state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.scalars import CalendarDate, ShortText
from scoring.vocabulary import COHORTS

__all__ = ["DEFAULT_CAPACITY", "RoundIn", "RoundOut", "RoundState"]

RoundState = Literal["open", "scoring", "decided", "notice", "published"]


# A cohort's capacity when the round does not name one.
DEFAULT_CAPACITY = 100


def _default_capacities() -> dict[str, int]:
    return dict.fromkeys(COHORTS, DEFAULT_CAPACITY)


class RoundIn(BaseModel):
    """What an admin gives to open a round."""

    # Strict: JSON true/false are not the numbers 1 and 0 (dates are parsed before the check).
    model_config = ConfigDict(extra="forbid", strict=True)

    name: ShortText
    year: int = Field(ge=2000, le=2100)
    reference_date: CalendarDate = Field(
        description="Ages and the latest filing are taken as of this date."
    )
    capacities: dict[str, int] = Field(
        default_factory=_default_capacities,
        description="At most this many firms are selected per cohort (default 100 each).",
    )
    validity_years: int = Field(default=3, ge=1, le=10)
    notice_days: int | None = Field(
        default=None,
        ge=1,
        le=90,
        description="The round's own public notice period in calendar days (default: the "
        "COHORTS_NOTICE_DAYS setting, 7).",
    )

    @field_validator("capacities")
    @classmethod
    def _known_cohorts(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(COHORTS))
        if unknown:
            raise ValueError(f"unknown cohort(s) {unknown}; known: {list(COHORTS)}")
        for cohort, capacity in value.items():
            if not 1 <= capacity <= 10_000:
                raise ValueError(f"capacity of {cohort!r} must be between 1 and 10000")
        return {**_default_capacities(), **value}


class RoundOut(BaseModel):
    """A round as stored."""

    id: int
    name: str
    year: int
    reference_date: date
    capacities: dict[str, int]
    validity_years: int
    notice_days: int | None = None
    notice_starts_on: date | None = None
    notice_ends_on: date | None = None
    state: RoundState
    created_at: datetime
    updated_at: datetime
