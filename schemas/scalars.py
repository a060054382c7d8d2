"""Value types shared by the API models: safe text, calendar dates, amounts, counts and ratios.

Every bound here exists so that a client's mistake is a validation error rather than a 500 from
the database: text carries no control characters or lone surrogates, numbers fit in 64 bits and
are finite, and dates are real calendar dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from scoring.vocabulary import FUNDING_STAGES, SECTORS

__all__ = [
    "AMOUNT_LIMIT",
    "INT64_MAX",
    "Amount",
    "CalendarDate",
    "Count",
    "FiscalYear",
    "FoundingDate",
    "FundingStage",
    "Instant",
    "LongText",
    "Rank",
    "Ratio",
    "SectorCode",
    "ShortText",
    "SignedAmount",
    "plain_number",
    "reject",
]

INT64_MAX = 2**63 - 1
"""Largest whole number any field takes: the database stores counts in signed 64 bits."""

AMOUNT_LIMIT = 10**18
"""Largest magnitude of an amount in yuan: far above any firm, well inside 64 bits and float."""

# C0 and C1 controls (NUL included) and lone surrogates, which no database column should hold.
_FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Dates as Chinese spreadsheets write them: 2018-02-28, 2018/2/28, 2018.02.28, 2018年2月28日.
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_NUMBER_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_EARLIEST_DATE = date(1800, 1, 1)
_LATEST_DATE = date(2100, 12, 31)
_SECTOR_CODES = frozenset(s.code for s in SECTORS)
_STAGES = frozenset(FUNDING_STAGES)


def reject(kind: str, message: str) -> PydanticCustomError:
    """Build a validation error whose message is ``message`` exactly, without pydantic's prefix."""
    return PydanticCustomError(kind, "{reason}", {"reason": message})


def plain_number(value: float) -> str:
    """Print whole numbers without a trailing ``.0`` so messages echo what the client sent."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_text(value: str) -> str:
    """Refuse control characters (NUL first of all) and lone surrogates in free text."""
    found = _FORBIDDEN_CHARACTER.search(value)
    if found is None:
        return value
    char = found.group()
    what = "a NUL character" if char == "\x00" else f"the control character U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        what = f"the lone surrogate U+{ord(char):04X}"
    raise reject("forbidden_character", f"contains {what} at position {found.start() + 1}")


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_check_text),
]
"""One line of text, 1–200 characters after trimming, no control characters."""

LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_check_text),
]
"""Free text up to 2,000 characters after trimming, no control characters."""


def _parse_date(value: Any) -> Any:
    """Turn the date spellings of spreadsheets into a ``date``; refuse bare numbers."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
            try:
                return date.fromisoformat(text)  # the common case, at C speed
            except ValueError:
                pass  # fall through to the precise message below
        match = _DATE_TEXT.fullmatch(text)
        if match is None:
            raise reject("date_format", f"{text!r} is not a date; write it as YYYY-MM-DD")
        year, month, day = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise reject("date_value", f"{text!r} is not a calendar date ({exc})") from None
    # A bare number would otherwise be read as a Unix timestamp.
    raise reject("date_type", "expected a date written as YYYY-MM-DD")


# The bounds come first so that pydantic-core checks them natively, after _parse_date.
CalendarDate = Annotated[
    date, Field(ge=_EARLIEST_DATE, le=_LATEST_DATE), BeforeValidator(_parse_date)
]
"""A real calendar date in 1800–2100; accepts YYYY-MM-DD, YYYY/MM/DD and YYYY年M月D日."""


def _not_in_future(value: date) -> date:
    """Refuse a founding date after today: a firm cannot have been founded yet to come."""
    if value > date.today():
        raise reject("date_future", f"{value.isoformat()} is in the future")
    return value


FoundingDate = Annotated[CalendarDate, AfterValidator(_not_in_future)]
"""A calendar date that is not after today (when a firm was founded)."""


def _refuse_number_as_instant(value: Any) -> Any:
    """Refuse a bare number where a moment is declared (pydantic would read a Unix timestamp)."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, int | float) or (isinstance(text, str) and _NUMBER_TEXT.fullmatch(text)):
        raise reject("datetime_type", "expected a date-time written as YYYY-MM-DDTHH:MM:SS")
    return value


def _check_utc_representable(value: datetime) -> datetime:
    """Refuse a moment whose zone carries it past year 1 or 9999 in UTC, where it is stored."""
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise reject("datetime_range", "in UTC this moment is outside years 1–9999") from None
    return value


Instant = Annotated[
    datetime, BeforeValidator(_refuse_number_as_instant), AfterValidator(_check_utc_representable)
]
"""A moment in ISO 8601 (``2026-06-30T12:00:00``, optionally with a zone); never a bare number."""


# Numbers are plain pydantic-core types (no Python validators): a 100,000-row list validates
# 14 of them per row. Spreadsheet spellings (1,234 and 35%) are read by the intake service.
Amount = Annotated[float, Field(ge=0, le=AMOUNT_LIMIT, allow_inf_nan=False)]
"""A non-negative, finite amount of yuan up to 10**18."""

SignedAmount = Annotated[float, Field(ge=-AMOUNT_LIMIT, le=AMOUNT_LIMIT, allow_inf_nan=False)]
"""A finite amount of yuan that may be negative (a loss), magnitude up to 10**18."""

Count = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""A non-negative whole number that fits in a signed 64-bit integer."""

Rank = Annotated[int, Field(ge=1, le=INT64_MAX)]
"""A position in a ranking, 1 being first."""

Ratio = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A fraction between 0 and 1."""

FiscalYear = Annotated[int, Field(ge=1949, le=2100)]
"""A fiscal year between 1949 and 2100."""


def _check_sector(value: str) -> str:
    """Refuse codes outside the priority-sector taxonomy."""
    if value not in _SECTOR_CODES:
        codes = ", ".join(s.code for s in SECTORS)
        raise reject("sector", f"{value!r} is not a sector code; use one of {codes}")
    return value


def _check_stage(value: str) -> str:
    """Refuse funding stages outside the vocabulary."""
    if value not in _STAGES:
        stages = ", ".join(FUNDING_STAGES)
        raise reject("funding_stage", f"{value!r} is not a funding stage; use one of {stages}")
    return value


SectorCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=64),
    AfterValidator(_check_sector),
    Field(json_schema_extra={"enum": [s.code for s in SECTORS]}),
]
"""A code of the priority-sector taxonomy (``scoring.vocabulary.SECTORS``)."""

FundingStage = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=64),
    AfterValidator(_check_stage),
    Field(json_schema_extra={"enum": list(FUNDING_STAGES)}),
]
"""A funding stage of ``scoring.vocabulary.FUNDING_STAGES``."""
