"""Reading the rows of a CSV (comma-, tab- or semicolon-separated) candidate list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from service.intake.result import ListRefusedError

__all__ = ["read_csv", "sniff_delimiter"]

_DELIMITERS = (",", "\t", ";")


def sniff_delimiter(text: str) -> str:
    """Return the delimiter the header line uses most: comma, tab or semicolon (comma if none)."""
    header = text[: text.find("\n")] if "\n" in text else text
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv(text: str) -> Iterator[list[str]]:
    """Yield each record of ``text`` (a record may span lines inside quotes), header first."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        yield from reader
    except csv.Error as exc:
        raise ListRefusedError(f"the CSV cannot be read at line {reader.line_num}: {exc}") from None
