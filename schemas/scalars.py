"""Value types shared by the API models: safe text, calendar dates, amounts, counts and ratios.

Every bound here exists so that a client's mistake is a validation error rather than a 500 from
the database: text carries no control characters or lone surrogates, numbers fit in 64 bits and
are finite, and dates are real calendar dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime
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
    "FundingStage",
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
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
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


def _check_date_range(value: date) -> date:
    """Keep dates within years 1800–2100, the span any firm record can plausibly need."""
    if not _EARLIEST_DATE <= value <= _LATEST_DATE:
        raise reject("date_range", f"{value.isoformat()} is outside 1800-01-01 … 2100-12-31")
    return value


CalendarDate = Annotated[date, BeforeValidator(_parse_date), AfterValidator(_check_date_range)]
"""A real calendar date between 1800 and 2100; accepts YYYY-MM-DD, YYYY/MM/DD and YYYY年M月D日."""


def _ungroup_number(value: Any) -> Any:
    """Accept thousands separators (``1,234,567.5``) as spreadsheets display them."""
    if isinstance(value, str) and "," in value:
        text = value.strip()
        if _GROUPED_NUMBER.fullmatch(text):
            return text.replace(",", "")
    return value


def _percent_to_fraction(value: Any) -> Any:
    """Accept ``35%`` for a ratio, as spreadsheets display it."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = value.strip()[:-1].strip()
        try:
            return float(number) / 100
        except ValueError:
            return value
    return value


Amount = Annotated[
    float,
    BeforeValidator(_ungroup_number),
    Field(ge=0, le=AMOUNT_LIMIT, allow_inf_nan=False),
]
"""A non-negative, finite amount of yuan up to 10**18."""

SignedAmount = Annotated[
    float,
    BeforeValidator(_ungroup_number),
    Field(ge=-AMOUNT_LIMIT, le=AMOUNT_LIMIT, allow_inf_nan=False),
]
"""A finite amount of yuan that may be negative (a loss), magnitude up to 10**18."""

Count = Annotated[int, BeforeValidator(_ungroup_number), Field(ge=0, le=INT64_MAX)]
"""A non-negative whole number that fits in a signed 64-bit integer."""

Rank = Annotated[int, BeforeValidator(_ungroup_number), Field(ge=1, le=INT64_MAX)]
"""A position in a ranking, 1 being first."""

Ratio = Annotated[
    float, BeforeValidator(_percent_to_fraction), Field(ge=0, le=1, allow_inf_nan=False)
]
"""A fraction between 0 and 1; ``35%`` is read as 0.35."""

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
