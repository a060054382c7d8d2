"""Mapping a spreadsheet's header onto the column contract and its rows onto field dictionaries."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from schemas.intake import COLUMNS, column_for_header, header_key
from service.intake.result import RowError

__all__ = ["HeaderMap", "map_header", "row_values"]

# Columns whose cells are text even when a spreadsheet stored them as numbers.
_TEXT_TYPES = frozenset({"uscc", "text", "sector", "cohort", "funding-stage"})
_TEXT_COLUMNS = frozenset(c.name for c in COLUMNS if c.type in _TEXT_TYPES)
_ALL_LABELS = {header_key(label): label for c in COLUMNS for label in (c.name, *c.aliases)}


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Contract column name at each position of the header (``None`` for a blank header cell)."""

    names: tuple[str | None, ...]


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
    return HeaderMap(tuple(names)), errors


def _as_text(value: object) -> str:
    """Render a non-text spreadsheet cell as the text a person sees in it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def row_values(
    header: HeaderMap, cells: Sequence[object], row: int
) -> tuple[dict[str, object], list[RowError]]:
    """Return the row's non-empty cells by column name; empty cells are simply absent."""
    values: dict[str, object] = {}
    errors: list[RowError] = []
    names = header.names
    for position, cell in enumerate(cells):
        if cell is None:
            continue
        if type(cell) is str:
            cell = cell.strip()
            if not cell:
                continue
        name = names[position] if position < len(names) else None
        if name is None:
            errors.append(RowError(row, None, f"column {position + 1} has a value but no header"))
            continue
        if name in _TEXT_COLUMNS and type(cell) is not str:
            cell = _as_text(cell)
        values[name] = cell
    return values, errors
