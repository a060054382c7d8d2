"""Mapping a spreadsheet's header onto the column contract and its rows onto field dictionaries."""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from schemas.intake import COLUMNS, column_for_header, header_key
from schemas.problems import RowProblem

__all__ = ["HeaderMap", "map_header", "row_values", "spreadsheet_numbers", "text_row_values"]

# How a cell is prepared before validation, by column type: text columns take numbers a
# spreadsheet stored as such ("as text"); number columns accept the way spreadsheets display
# numbers ("1,234,567.5", and "35%" for a ratio).
_PLAIN, _TEXT, _NUMBER, _RATIO = range(4)
_PREPARATION = {
    "uscc": _TEXT, "text": _TEXT, "sector": _TEXT, "cohort": _TEXT, "funding-stage": _TEXT,
    "amount": _NUMBER, "signed-amount": _NUMBER, "count": _NUMBER, "rank": _NUMBER,
    "ratio": _RATIO,
}  # fmt: skip
_PREPARATION_OF = {c.name: _PREPARATION.get(c.type, _PLAIN) for c in COLUMNS}
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_ALL_LABELS = {header_key(label): label for c in COLUMNS for label in (c.name, *c.aliases)}


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Contract column name at each position of the header (``None`` for a blank header cell)."""

    names: tuple[str | None, ...]
    preparations: tuple[int, ...]


def _suggest(header: str) -> str:
    """Return a ``(did you mean …?)`` hint for a mistyped header, or nothing."""
    close = difflib.get_close_matches(header_key(header), list(_ALL_LABELS), n=1, cutoff=0.75)
    return f" (did you mean {_ALL_LABELS[close[0]]!r}?)" if close else ""


def map_header(cells: Sequence[object]) -> tuple[HeaderMap, list[RowProblem]]:
    """Match each header cell to a contract column; report unknown, repeated and missing ones."""
    errors: list[RowProblem] = []
    names: list[str | None] = []
    position_of: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        header = "" if cell is None else str(cell).strip()
        if not header:
            names.append(None)
            continue
        column = column_for_header(header)
        if column is None:
            hint = _suggest(header)
            errors.append(
                RowProblem(
                    row=1,
                    field=None,
                    message=f"unknown column {header!r} (column {position}){hint}",
                )
            )
            names.append(None)
            continue
        if column.name in position_of:
            errors.append(
                RowProblem(
                    row=1,
                    field=column.name,
                    message=(
                        f"columns {position_of[column.name]} and {position} "
                        f"both mean {column.name!r}"
                    ),
                )
            )
        position_of.setdefault(column.name, position)
        names.append(column.name)
    for column in COLUMNS:
        if column.required and column.name not in position_of:
            errors.append(
                RowProblem(
                    row=1,
                    field=column.name,
                    message=(
                        f"required column {column.name!r} ({' / '.join(column.aliases)}) "
                        "is missing"
                    ),
                )
            )
    preparations = tuple(_PLAIN if n is None else _PREPARATION_OF[n] for n in names)
    return HeaderMap(tuple(names), preparations), errors


def _as_text(value: object) -> str:
    """Render a non-text spreadsheet cell as the text a person sees in it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def spreadsheet_numbers(values: dict[str, object]) -> dict[str, object] | None:
    """Return ``values`` with ``1,234,567.5`` and ``35%`` read as numbers, or ``None`` if none.

    Called only after a row failed validation, so the common case pays nothing for it.
    """
    changed: dict[str, object] = {}
    for name, value in values.items():
        preparation = _PREPARATION_OF.get(name, _PLAIN)
        if preparation < _NUMBER or not isinstance(value, str):
            continue
        text = value.strip()
        if "," in text and _GROUPED_NUMBER.fullmatch(text):
            changed[name] = text = text.replace(",", "")
        if preparation == _RATIO and text.endswith("%"):
            # Left as it was when not a number; validation then explains why.
            with contextlib.suppress(ValueError):
                changed[name] = float(text[:-1]) / 100
    return values | changed if changed else None


def text_row_values(
    header: HeaderMap, cells: Sequence[str], row: int
) -> tuple[dict[str, object], list[RowProblem]]:
    """Return a CSV record's non-blank cells by column name (cells are all text).

    The models trim whitespace themselves, so cells are passed on untrimmed; this keeps the
    per-cell work to one comprehension, which matters at 100,000 rows.
    """
    values: dict[str | None, object] = {
        name: cell for name, cell in zip(header.names, cells, strict=False)
        if cell and not cell.isspace()
    }  # fmt: skip
    if None not in values and len(cells) <= len(header.names):
        return values, []  # type: ignore[return-value]
    return row_values(header, cells, row)


def row_values(
    header: HeaderMap, cells: Sequence[object], row: int
) -> tuple[dict[str, object], list[RowProblem]]:
    """Return the row's non-empty cells by column name; empty cells are simply absent."""
    values: dict[str, object] = {}
    errors: list[RowProblem] = []
    columns = zip(header.names, header.preparations, cells, strict=False)
    for position, (name, preparation, cell) in enumerate(columns, start=1):
        if cell is None:
            continue
        if cell.__class__ is str:
            cell = cell.strip()
            if not cell:
                continue
        elif preparation == _TEXT:
            cell = _as_text(cell)
        if name is None:
            errors.append(
                RowProblem(
                    row=row, field=None, message=f"column {position} has a value but no header"
                )
            )
            continue
        values[name] = cell
    if len(cells) > len(header.names):
        extra = [c for c in cells[len(header.names) :] if c is not None and str(c).strip()]
        if extra:
            errors.append(
                RowProblem(
                    row=row,
                    field=None,
                    message=f"the row has {len(extra)} value(s) beyond the last header",
                )
            )
    return values, errors
