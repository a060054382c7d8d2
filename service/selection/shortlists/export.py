"""Shortlist exports: CSV (UTF-8 with BOM, so Excel shows Chinese intact) and XLSX.

Firm names and other text come from outside, so a text cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with ``'``: a spreadsheet then shows it as
text instead of running it as a formula (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

if TYPE_CHECKING:  # the shortlist use cases import this module to export
    from service.selection.shortlists.service import Shortlist

__all__ = ["CSV_MEDIA_TYPE", "XLSX_MEDIA_TYPE", "neutralise", "shortlist_csv", "shortlist_xlsx"]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIXED = (
    "position",
    "rank",
    "nomination_id",
    "uscc",
    "name",
    "name_en",
    "sector",
    "eligible",
    "passed",
    "within_capacity",
    "total",
    "stability",
    "decision",
)


def neutralise(value: Any) -> Any:
    """A text value made safe for a spreadsheet cell; other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _header(shortlist: Shortlist) -> list[str]:
    compared = (
        [f"{shortlist.compare}_rank", "rank_difference"] if shortlist.compare is not None else []
    )
    return [
        *_FIXED,
        *compared,
        *(f"points:{c}" for c in shortlist.criteria),
        "failed_gates",
        "flags",
    ]


def _rows(shortlist: Shortlist) -> Iterator[list[Any]]:
    for item in shortlist.items:
        points = {c["criterion"]: c["points"] for c in item["explanation"].get("criteria", [])}
        failed = [g["gate"] for g in item["explanation"].get("gates", []) if not g["passed"]]
        row: list[Any] = [item[name] for name in _FIXED]
        if shortlist.compare is not None:
            other = item["compare"] or {}
            row.extend([other.get("rank"), other.get("rank_difference")])
        row.extend(points.get(c) for c in shortlist.criteria)
        row.append("; ".join(failed))
        row.append("; ".join(item["flags"]))
        yield [neutralise(v) for v in row]


def shortlist_csv(shortlist: Shortlist) -> bytes:
    """The shortlist as CSV, UTF-8 with a byte-order mark, one column per criterion."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(shortlist))
    for row in _rows(shortlist):
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def shortlist_xlsx(shortlist: Shortlist) -> bytes:
    """The shortlist as an XLSX workbook written in openpyxl's write-only (streaming) mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=f"{shortlist.run.cohort}-run-{shortlist.run.id}"[:31])
    sheet.append(_header(shortlist))
    for row in _rows(shortlist):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
