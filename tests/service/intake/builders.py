"""Plain builders of candidate lists in every format, for the intake tests."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from stdnum.cn import uscc as stdnum_uscc

from schemas.intake import COLUMNS
from service.intake import ParsedList, parse_candidate_list

HEADERS = ["uscc", "name", "founded_on", "sector", "cohort", "fiscal_year", "employees", "rd_staff"]


def uscc_for(index: int, region: str = "110108") -> str:
    """Return a checksum-valid USCC unique to ``index``."""
    body = f"91{region}MA{index:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


def candidate(index: int, **overrides: str) -> dict[str, str]:
    """Return one valid row as CSV cells keyed by English header."""
    row = {
        "uscc": uscc_for(index),
        "name": f"测试企业{index}有限公司（示例）",
        "founded_on": "2019-04-01",
        "sector": "ai",
        "cohort": "seed",
        "fiscal_year": "2023",
        "employees": "40",
        "rd_staff": "12",
    }
    return row | overrides


def csv_text(
    rows: Sequence[dict[str, str]], headers: Sequence[str] | None = None, delimiter: str = ","
) -> str:
    """Return the rows as CSV text; headers default to the keys of the first row."""
    names = list(headers) if headers is not None else list(rows[0])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    english = [_english(name) for name in names]
    for row in rows:
        writer.writerow([row.get(name, "") for name in english])
    return buffer.getvalue()


def _english(header: str) -> str:
    """Return the contract name a header stands for (headers may be Chinese aliases)."""
    for column in COLUMNS:
        if header in (column.name, *column.aliases):
            return column.name
    return header


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """Return a workbook whose first sheet holds ``rows`` (header first) as typed cells."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    saved = io.BytesIO()
    workbook.save(saved)
    return saved.getvalue()


def parse(
    data: bytes,
    *,
    filename: str | None = "list.csv",
    max_rows: int = 100_000,
    max_xlsx_uncompressed: int = 20 * 1024 * 1024,
) -> ParsedList:
    """Parse with the service's defaults."""
    return parse_candidate_list(
        data,
        filename=filename,
        content_type=None,
        max_rows=max_rows,
        max_xlsx_uncompressed=max_xlsx_uncompressed,
    )


def with_bom(text: str) -> bytes:
    """Return ``text`` as UTF-8 with a byte-order mark, as Excel's "CSV UTF-8" writes it."""
    return codecs.BOM_UTF8 + text.encode("utf-8")


FOUNDED = date(2019, 4, 1)
