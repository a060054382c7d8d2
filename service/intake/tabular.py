"""Mapping a spreadsheet's header onto the column contract and its rows onto field dictionaries."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from schemas.intake import COLUMNS, column_for_header, header_key
from service.intake.result import RowError

__all__ = ["HeaderMap", "map_header", "row_values"]

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


def map_header(cells: Sequence[object]) -> tuple[HeaderMap, list[RowError]]:
    """Match each header cell to a contract column; report unknown, repeated and missing ones."""
    errors: list[RowError] = []
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
            errors.append(RowError(1, None, f"unknown column {header!r} (column {position}){hint}"))
            names.append(None)
            continue
        if column.name in position_of:
            errors.append(
                RowError(
                    1,
                    column.name,
                    f"columns {position_of[column.name]} and {position} both mean {column.name!r}",
                )
            )
        position_of.setdefault(column.name, position)
        names.append(column.name)
    for column in COLUMNS:
        if column.required and column.name not in position_of:
            errors.append(
                RowError(
                    1,
                    column.name,
                    f"required column {column.name!r} ({' / '.join(column.aliases)}) is missing",
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


def _as_number(text: str, preparation: int) -> object:
    """Read ``1,234,567.5`` (and ``35%`` for a ratio) as spreadsheets display numbers."""
    if "," in text and _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if preparation == _RATIO and text.endswith("%"):
        try:
            return float(text[:-1]) / 100
        except ValueError:
            return text
    return text


def row_values(
    header: HeaderMap, cells: Sequence[object], row: int
) -> tuple[dict[str, object], list[RowError]]:
    """Return the row's non-empty cells by column name; empty cells are simply absent."""
    values: dict[str, object] = {}
    errors: list[RowError] = []
    columns = zip(header.names, header.preparations, cells, strict=False)
    for position, (name, preparation, cell) in enumerate(columns, start=1):
        if cell is None:
            continue
        if cell.__class__ is str:
            cell = cell.strip()
            if not cell:
                continue
            if preparation >= _NUMBER:
                cell = _as_number(cell, preparation)
        elif preparation == _TEXT:
            cell = _as_text(cell)
        if name is None:
            errors.append(RowError(row, None, f"column {position} has a value but no header"))
            continue
        values[name] = cell
    if len(cells) > len(header.names):
        extra = [c for c in cells[len(header.names) :] if c is not None and str(c).strip()]
        if extra:
            errors.append(
                RowError(row, None, f"the row has {len(extra)} value(s) beyond the last header")
            )
    return values, errors
