"""Entry points: a candidate list as uploaded bytes (CSV or XLSX) or as a parsed JSON body."""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from schemas.intake import COLUMNS, MAX_JSON_ROWS, NominationRow, column_for_header
from schemas.problems import RowProblem
from service.intake.decoding import decode_text
from service.intake.delimited import read_csv
from service.intake.result import ListRefusedError, ParsedList
from service.intake.tabular import map_header, row_values, spreadsheet_numbers, text_row_values
from service.intake.validation import check_consistency, validate_row
from service.intake.xlsx import read_xlsx

__all__ = ["XLSX_CONTENT_TYPE", "header_names", "parse_candidate_list", "rows_from_json"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# Compound-file magic: legacy .xls, and also password-protected .xlsx.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Pydantic reads JSON true/false as 1 and 0 where a number is declared; a list must not.
_NUMBER_TYPES = frozenset({"amount", "signed-amount", "count", "rank", "ratio", "year"})
_NUMBER_COLUMNS = frozenset(c.name for c in COLUMNS if c.type in _NUMBER_TYPES)


@contextlib.contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a list is parsed, then restore it.

    A 100,000-row list creates about a million objects that all stay alive until the end, so
    every collector pass walks them again for nothing: that was 40% of the parse time.
    Reference counting still frees everything as usual; only cycle detection waits. The
    collector is re-enabled only if it was enabled on entry, so overlapping parses in other
    threads cannot leave it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _format_of(data: bytes, filename: str | None, content_type: str | None) -> str:
    """Return ``csv`` or ``xlsx`` from the content itself, refusing what is neither."""
    if not data:
        raise ListRefusedError("the file is empty")
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        raise ListRefusedError(
            "this is a legacy .xls or a password-protected workbook; save it as .xlsx or CSV"
        )
    said_xlsx = (filename or "").lower().endswith((".xlsx", ".xlsm")) or (
        (content_type or "").split(";")[0].strip().lower() == XLSX_CONTENT_TYPE
    )
    if said_xlsx:
        raise ListRefusedError("not an XLSX workbook: the file is not a zip archive")
    return "csv"


def parse_candidate_list(
    data: bytes,
    *,
    filename: str | None,
    content_type: str | None,
    max_rows: int,
    max_xlsx_uncompressed: int,
) -> ParsedList:
    """Parse and validate an uploaded CSV or XLSX candidate list; never raises on bad input.

    Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row 2.
    Blank rows are skipped but keep their numbers. A file that cannot be read at all, or whose
    header is wrong, comes back with ``refused`` set and no rows.
    """
    fmt = "csv"
    encoding: str | None = None
    with _cyclic_collector_paused():
        try:
            fmt = _format_of(data, filename, content_type)
            if fmt == "xlsx":
                records: Iterable[Sequence[Any]] = read_xlsx(
                    data, max_uncompressed=max_xlsx_uncompressed, max_data_rows=max_rows
                )
            else:
                text, encoding = decode_text(data)
                records = read_csv(text)
            return _parse_records(
                records, fmt=fmt, encoding=encoding, max_rows=max_rows, text_cells=fmt == "csv"
            )
        except ListRefusedError as refusal:
            return ParsedList(fmt, errors=[refusal.error], encoding=encoding, refused=True)


def header_names(
    data: bytes, *, filename: str | None, content_type: str | None, max_xlsx_uncompressed: int
) -> dict[str, str]:
    """Contract column → the header the file itself used for it (a Chinese alias, say), read
    from row 1 of a CSV or of an XLSX's first sheet as the parser reads it; empty when the file
    cannot be read (the parse says why)."""
    first: Sequence[Sequence[object]]
    try:
        if _format_of(data, filename, content_type) == "xlsx":
            first = read_xlsx(data, max_uncompressed=max_xlsx_uncompressed, max_data_rows=0)[:1]
        else:
            first = list(itertools.islice(read_csv(decode_text(data)[0]), 1))
    except ListRefusedError:
        return {}
    out: dict[str, str] = {}
    for cell in first[0] if first else ():
        header = "" if cell is None else str(cell).strip()
        column = column_for_header(header) if header else None
        if column is not None:
            out.setdefault(column.name, header)
    return out


def _parse_records(
    records: Iterable[Sequence[Any]],
    *,
    fmt: str,
    encoding: str | None,
    max_rows: int,
    text_cells: bool,
) -> ParsedList:
    """Validate a sheet's records (header first) row by row, then across rows."""
    iterator = iter(records)
    header_cells = next(iterator, None)
    if header_cells is None or not any(str(c).strip() for c in header_cells if c is not None):
        raise ListRefusedError("row 1 must be the header, but it is empty", row=1)
    header, header_errors = map_header(header_cells)
    if header_errors:
        return ParsedList(fmt, errors=header_errors, encoding=encoding, refused=True)
    valid: list[tuple[int, NominationRow]] = []
    errors: list[RowProblem] = []
    seen = 0
    read_row = text_row_values if text_cells else row_values
    respell_first = False
    for number, cells in enumerate(iterator, start=2):
        values, cell_errors = read_row(header, cells, number)
        if not values and not cell_errors:
            continue
        seen += 1
        if seen > max_rows:
            raise ListRefusedError(
                f"the list has more than {max_rows:,} rows, the most one upload may hold; "
                "split it into several lists"
            )
        if respell_first:
            values = spreadsheet_numbers(values) or values
        result = validate_row(number, values)
        if not isinstance(result, NominationRow) and not respell_first:
            respelled = spreadsheet_numbers(values)
            if respelled is not None:
                result = validate_row(number, respelled)
                # A sheet that writes 1,234 once usually does so on every row: from here on,
                # respell before validating instead of validating twice.
                respell_first = True
        if isinstance(result, NominationRow) and not cell_errors:
            valid.append((number, result))
            continue
        errors.extend(cell_errors)
        if not isinstance(result, NominationRow):
            errors.extend(result)
    return _finish(fmt, valid, errors, seen=seen, encoding=encoding)


def _finish(
    fmt: str,
    valid: list[tuple[int, NominationRow]],
    errors: list[RowProblem],
    *,
    seen: int,
    encoding: str | None,
) -> ParsedList:
    """Apply the cross-row checks and put every error in row order."""
    if seen == 0:
        raise ListRefusedError("the list has no data rows")
    kept, clashes = check_consistency(valid)
    errors = sorted([*errors, *clashes], key=lambda e: e.row or 0)
    return ParsedList(fmt, rows=kept, errors=errors, rows_seen=seen, encoding=encoding)


def rows_from_json(payload: object, *, max_rows: int = MAX_JSON_ROWS) -> ParsedList:
    """Validate a JSON candidate list, ``{"rows": [...]}`` or a bare list of row objects.

    Keys are the contract's English column names. Rows are numbered from 1 in list order
    (there is no header row in JSON); ``null`` and blank strings count as empty cells.
    """
    with _cyclic_collector_paused():
        return _parse_json(payload, max_rows=max_rows)


def _parse_json(payload: object, *, max_rows: int) -> ParsedList:
    """Do what ``rows_from_json`` says."""
    try:
        items = _json_items(payload, max_rows=max_rows)
        valid: list[tuple[int, NominationRow]] = []
        errors: list[RowProblem] = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                errors.append(
                    RowProblem(
                        row=number, field=None, message="a row must be an object keyed by column"
                    )
                )
                continue
            values = {
                str(key): value
                for key, value in item.items()
                if value is not None and not (isinstance(value, str) and not value.strip())
            }
            booleans = [
                key
                for key, value in values.items()
                if value.__class__ is bool and key in _NUMBER_COLUMNS
            ]
            for key in booleans:
                shown = str(values.pop(key)).lower()
                errors.append(
                    RowProblem(row=number, field=key, message=f"expected a number, got {shown}")
                )
            result = validate_row(number, values)
            if isinstance(result, NominationRow) and not booleans:
                valid.append((number, result))
            elif not isinstance(result, NominationRow):
                errors.extend(result)
        return _finish("json", valid, errors, seen=len(items), encoding=None)
    except ListRefusedError as refusal:
        return ParsedList("json", errors=[refusal.error], refused=True)


def _json_items(payload: object, *, max_rows: int) -> list[object]:
    """Return the list of rows of a JSON body, refusing any other shape."""
    if isinstance(payload, dict):
        unknown = sorted(str(key) for key in payload if key != "rows")
        if unknown:
            raise ListRefusedError(
                f'unknown field {unknown[0]!r}; the body is {{"rows": [...]}}', field=unknown[0]
            )
        payload = payload.get("rows")
    if not isinstance(payload, list):
        raise ListRefusedError('the body must be {"rows": [...]} with a list of rows', field="rows")
    if len(payload) > max_rows:
        raise ListRefusedError(
            f"the list has {len(payload):,} rows, more than the {max_rows:,} one request may hold; "
            "split it into several lists",
            field="rows",
        )
    return payload
