"""XLSX candidate lists: zip checks before parsing, typed cells, spreadsheet row numbers."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from schemas.problems import RowProblem
from service.intake.xlsx import MAX_COMPRESSION_RATIO
from tests.service.intake.builders import parse, uscc_for, xlsx_bytes

HEADER = ("统一社会信用代码", "企业名称", "成立日期", "所属领域", "推荐梯队", "年度", "职工总数",
          "研发人员数", "细分市场占有率")  # fmt: skip


def sheet_row(index: int, **changes: object) -> tuple[object, ...]:
    """Return one row as typed cells in ``HEADER`` order."""
    cells: dict[str, object] = {
        "uscc": uscc_for(index), "name": f"测试企业{index}（示例）",
        "founded_on": datetime(2019, 4, 1), "sector": "人工智能", "cohort": "领军企业",
        "fiscal_year": 2023, "employees": 40, "rd_staff": 12.0, "share": 0.125,
    } | changes  # fmt: skip
    return tuple(cells.values())


def zip_with(members: dict[str, bytes]) -> bytes:
    """Return a deflated zip archive holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_typed_cells_are_read() -> None:
    parsed = parse(xlsx_bytes([HEADER, sheet_row(1), sheet_row(2)]), filename="list.xlsx")
    assert parsed.errors == []
    assert parsed.format == "xlsx"
    number, row = parsed.rows[0]
    assert number == 2
    assert (row.founded_on.isoformat(), row.sector, row.cohort) == ("2019-04-01", "ai", "leader")
    assert (row.fiscal_year, row.employees, row.rd_staff, row.segment_market_share) == (
        2023, 40, 12, 0.125,
    )  # fmt: skip


def test_bad_cells_carry_spreadsheet_row_numbers_across_blank_rows() -> None:
    rows = [
        HEADER,
        sheet_row(1),
        (None,) * len(HEADER),
        sheet_row(2, employees=10, rd_staff=11),
        sheet_row(3, founded_on="2018-02-30"),
        sheet_row(4, employees=2**64),
    ]
    parsed = parse(xlsx_bytes(rows), filename=None)
    assert [n for n, _ in parsed.rows] == [2]
    assert [(e.row, e.field) for e in parsed.errors] == [
        (4, "rd_staff"), (5, "founded_on"), (6, "employees"),
    ]  # fmt: skip


def test_a_date_stored_as_a_plain_number_is_explained() -> None:
    parsed = parse(xlsx_bytes([HEADER, sheet_row(1, founded_on=43466)]), filename="list.xlsx")
    assert parsed.errors == [
        RowProblem(
            row=2, field="founded_on", message="expected a date written as YYYY-MM-DD (got 43466)"
        )
    ]


def test_zip_bomb_is_refused_before_parsing() -> None:
    # 64 MiB of zeros deflate to about 64 KiB; it is not even a workbook, so only the zip check
    # can produce this message.
    bomb = zip_with({"xl/worksheets/sheet1.xml": bytes(64 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    parsed = parse(bomb, filename="list.xlsx", max_xlsx_uncompressed=20 * 1024 * 1024)
    assert parsed.refused
    assert parsed.errors == [
        RowProblem(
            row=None,
            field=None,
            message="the workbook would expand to 67,108,864 bytes, above the limit of 20,971,520; "
            "split the list or upload it as CSV",
        )
    ]


def test_absurd_compression_ratio_is_refused_even_under_the_size_limit() -> None:
    bomb = zip_with({"xl/sharedStrings.xml": bytes(8 * 1024 * 1024)})
    parsed = parse(bomb, filename="list.xlsx", max_xlsx_uncompressed=100 * 1024 * 1024)
    assert parsed.refused
    message = parsed.errors[0].message
    assert "'xl/sharedStrings.xml' expands" in message
    assert f"(limit {MAX_COMPRESSION_RATIO})" in message


def test_a_real_workbook_is_far_below_the_ratio_limit() -> None:
    rows = [HEADER, *(sheet_row(i) for i in range(2000))]
    data = xlsx_bytes(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        ratios = [m.file_size / m.compress_size for m in archive.infolist() if m.compress_size]
    assert max(ratios) < MAX_COMPRESSION_RATIO / 4
    assert parse(data, filename="list.xlsx").errors == []


@pytest.mark.parametrize(
    ("data", "filename", "fragment"),
    [
        (b"uscc,name\r\n", "list.xlsx", "not a zip archive"),
        (b"PK\x03\x04 but then garbage", "list.xlsx", "not a valid zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "list.xls", "legacy .xls"),
    ],
)
def test_files_that_are_not_workbooks_are_refused(
    data: bytes, filename: str, fragment: str
) -> None:
    parsed = parse(data, filename=filename)
    assert parsed.refused
    assert fragment in parsed.errors[0].message


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    parsed = parse(zip_with({"readme.txt": b"hello"}), filename="list.xlsx")
    assert parsed.refused
    assert parsed.errors[0].message.startswith("the workbook cannot be read")


def test_row_limit_stops_reading_the_sheet() -> None:
    rows = [HEADER, *(sheet_row(i) for i in range(6))]
    parsed = parse(xlsx_bytes(rows), filename="list.xlsx", max_rows=5)
    assert parsed.refused
    assert "more than 5 rows" in parsed.errors[0].message
