"""Reading the rows of a CSV (comma-, tab- or semicolon-separated) candidate list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from service.intake.result import ListRefusedError

__all__ = ["position_of", "read_csv", "sniff_delimiter"]

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
    records = 0
    header: list[str] = []
    try:
        for record in reader:
            if not records:
                header = record
            records += 1
            yield record
    except csv.Error as exc:
        # The record that failed is the next one; its column is unknown (the reader gave up).
        raise ListRefusedError(
            f"the CSV cannot be read at line {reader.line_num}: {exc}",
            row=records + 1 if header else None,
        ) from None


def position_of(before: str) -> tuple[int | None, str | None]:
    """The 1-based record (the header is 1) and the column header of the character that
    follows the text ``before``, as a refusal names them; ``(None, None)`` when the text
    before it cannot tell (the header itself, or a CSV that does not parse)."""
    delimiter = sniff_delimiter(before)
    try:
        # The marker stands for the character itself: it ends the record it falls in.
        records = list(csv.reader(io.StringIO(before + "\ufffd", newline=""),
                                  delimiter=delimiter))
    except csv.Error:
        return None, None
    if len(records) < 2:
        return None, None
    column = len(records[-1]) - 1
    header = records[0]
    return len(records), header[column].strip() or None if column < len(header) else None
