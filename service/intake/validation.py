"""Validating candidate-list rows against ``NominationRow`` and against each other."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from schemas.intake import NominationRow
from schemas.problems import RowProblem

__all__ = ["PROFILE_FIELDS", "check_consistency", "errors_of", "validate_row"]

PROFILE_FIELDS: tuple[str, ...] = (
    "cohort", "name", "name_en", "founded_on", "sector", "sub_segment", "listed",
)  # fmt: skip
"""Fields every row of one firm must repeat identically."""

# Error types whose message already says everything, or whose input must not be echoed.
_NO_ECHO = frozenset(
    {
        "missing", "extra_forbidden", "forbidden_character", "string_too_long", "date_format",
        "date_value", "date_range", "sector", "funding_stage", "uscc", "exceeds_total",
        "valuation_below_amount", "row_rule",
    }
)  # fmt: skip
_ECHO_LIMIT = 40


def _message(error: Any) -> str:
    """Return a user-facing message for one pydantic error, echoing short offending input."""
    kind = error["type"]
    field = error["loc"][0] if error["loc"] else None
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"unknown field {field!r}"
    message: str = error["msg"]
    if kind == "string_too_long":
        return f"{message} (got {len(error['input']):,})"
    value = error.get("input")
    echo = isinstance(value, str | int | float) and not isinstance(value, bool)
    if echo and kind not in _NO_ECHO:
        shown = repr(value)
        shown = shown if len(shown) <= _ECHO_LIMIT else shown[:_ECHO_LIMIT] + "…"
        message = f"{message} (got {shown})"
    return message


def errors_of(row: int, exc: ValidationError) -> list[RowProblem]:
    """Map a row's validation errors to ``RowProblem``s named by contract column."""
    found: list[RowProblem] = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        if loc:
            field: str | None = str(loc[0])
        else:
            field = (error.get("ctx") or {}).get("field")
        found.append(RowProblem(row=row, field=field, message=_message(error)))
    return found


def validate_row(row: int, values: dict[str, object]) -> NominationRow | list[RowProblem]:
    """Return the validated row, or the reasons it is invalid."""
    try:
        return NominationRow.model_validate(values)
    except ValidationError as exc:
        return errors_of(row, exc)


def check_consistency(
    rows: Iterable[tuple[int, NominationRow]],
) -> tuple[list[tuple[int, NominationRow]], list[RowProblem]]:
    """Keep rows that neither repeat a (USCC, fiscal year) nor contradict the firm's first row.

    A row without a fiscal year stands for the whole firm, so it clashes with any other row of
    the same USCC. Each clash is reported once, on the later row, naming both rows.
    """
    kept: list[tuple[int, NominationRow]] = []
    errors: list[RowProblem] = []
    first_of: dict[str, tuple[int, NominationRow]] = {}
    row_of_year: dict[tuple[str, int | None], int] = {}
    for number, row in rows:
        first = first_of.get(row.uscc)
        if first is None:
            first_of[row.uscc] = (number, row)
            row_of_year[(row.uscc, row.fiscal_year)] = number
            kept.append((number, row))
            continue
        clash = _duplicate_of(row, first[0], row_of_year)
        if clash is not None:
            year = "" if row.fiscal_year is None else f" for fiscal year {row.fiscal_year}"
            errors.append(
                RowProblem(
                    row=number,
                    field="uscc",
                    message=f"USCC {row.uscc} appears twice{year}: rows {clash} and {number}"
                    + ("" if year else " (a row without fiscal_year must be the firm's only row)"),
                )
            )
            continue
        first_number, first_row = first
        differences = [
            RowProblem(
                row=number,
                field=name,
                message=f"{name} {_shown(getattr(row, name))} differs from row {first_number} "
                f"({_shown(getattr(first_row, name))}) for the same USCC {row.uscc}; "
                "rows of one firm must agree on its profile and cohort",
            )
            for name in PROFILE_FIELDS
            if getattr(row, name) != getattr(first_row, name)
        ]
        if differences:
            errors.extend(differences)
            continue
        row_of_year[(row.uscc, row.fiscal_year)] = number
        kept.append((number, row))
    return kept, errors


def _duplicate_of(
    row: NominationRow, first_number: int, row_of_year: dict[tuple[str, int | None], int]
) -> int | None:
    """Return the earlier row this one duplicates, if any (``first_number`` is the firm's first)."""
    same = row_of_year.get((row.uscc, row.fiscal_year))
    if same is not None:
        return same
    if row.fiscal_year is None:
        return first_number
    return row_of_year.get((row.uscc, None))


def _shown(value: object) -> str:
    """Render a profile value for a message."""
    return "(empty)" if value is None else repr(str(value))
