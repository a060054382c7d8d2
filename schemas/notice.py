"""The public notice (公示) of a round's proposed members, and objections (异议) to it."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from schemas.scalars import CalendarDate, LongText, ShortText, reject
from schemas.uscc import USCC

__all__ = [
    "GROUNDS_MAX_CHARS",
    "NoticeCohort",
    "NoticeFirm",
    "NoticeIn",
    "NoticeOut",
    "ObjectionIn",
    "ObjectionOut",
    "ObjectionReceipt",
    "Offer",
    "PromotionIn",
    "ResolutionIn",
    "ResolutionOut",
]

GROUNDS_MAX_CHARS = 5000

# NUL (no database stores it) and lone surrogates; line breaks and tabs are the objector's own.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    found = _UNSTORABLE.search(value)
    if found is not None:
        raise reject("forbidden_character", f"contains U+{ord(found.group()):04X} at position "
                     f"{found.start() + 1}")
    if not value.strip():
        raise reject("blank", "is blank")
    return value


# Kept verbatim (not trimmed): it is the objector's statement.
Grounds = Annotated[
    str, StringConstraints(min_length=1, max_length=GROUNDS_MAX_CHARS), AfterValidator(_storable)
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoticeIn(_In):
    """Open the notice period: until ``ends_on``, or for ``days`` calendar days from today."""

    ends_on: CalendarDate | None = Field(
        default=None, description="The last day of the notice period (inclusive)."
    )
    days: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=90,
        description="Calendar days from today, today included (default: the round's own "
        "notice_days, else COHORTS_NOTICE_DAYS, 7).",
    )


class NoticeFirm(BaseModel):
    """A proposed member as the public sees it: name, code and cohort, nothing else."""

    uscc: str
    name: str
    cohort: str


class NoticeCohort(BaseModel):
    """One cohort's proposed members, by USCC."""

    cohort: str
    firms: list[NoticeFirm]


class NoticeOut(BaseModel):
    """The public notice of a round: the period and the proposed members per cohort."""

    round_id: int
    round_name: str
    state: Literal["notice", "published"]
    starts_on: date
    ends_on: date
    cohorts: list[NoticeCohort]


class ObjectionIn(_In):
    """An objection to one proposed member."""

    uscc: USCC
    grounds: Grounds = Field(description=f"Why, in up to {GROUNDS_MAX_CHARS} characters; kept "
                             "exactly as sent.")
    contact: ShortText = Field(description="How the programme office can reach the objector.")


class ObjectionReceipt(BaseModel):
    """What the objector keeps: the id to quote."""

    id: int
    round_id: int
    uscc: str
    state: str
    created_at: datetime


class ObjectionOut(BaseModel):
    """An objection as the programme office sees it."""

    id: int
    round_id: int
    uscc: str
    cohort: str
    grounds: str
    contact: str
    client_address: str
    state: Literal["pending", "dismissed", "upheld"]
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    promoted_uscc: str | None
    created_at: datetime


class ResolutionIn(_In):
    """Dismiss or uphold an objection, with the reason."""

    outcome: Literal["dismiss", "uphold"]
    reason: LongText


class Offer(BaseModel):
    """The next waitlisted firm of the cohort by rank, offered for the freed place."""

    uscc: str
    name: str
    cohort: str
    rank_at_decision: int | None


class ResolutionOut(BaseModel):
    """The resolved objection and, when upheld, the firm offered the place (not yet promoted)."""

    objection: ObjectionOut
    offered: Offer | None


class PromotionIn(_In):
    """Promote a waitlisted firm into the place an upheld objection freed: an explicit decision."""

    uscc: USCC
    reason: LongText
