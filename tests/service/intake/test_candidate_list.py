"""Parsing CSV candidate lists and JSON bodies: a client mistake is a RowProblem, never a raise."""

from __future__ import annotations

import codecs
import gc
from typing import Any

import pytest

from schemas.problems import RowProblem
from service.intake import rows_from_json
from tests.service.intake.builders import candidate, csv_text, parse, uscc_for, with_bom


def test_gb18030_csv_with_chinese_headers_round_trips_names_exactly() -> None:
    # 𠮷 and 㐀 lie outside GBK, so only a real GB18030 decode keeps them.
    names = ["北京𠮷祥科技有限公司（示例）", "海淀㐀芯微电子（示例）", "中关村·智造（示例）"]
    rows = [
        candidate(i, name=name, sector="人工智能", cohort="隐形冠军")
        for i, name in enumerate(names)
    ]
    headers = ["统一社会信用代码", "企业名称", "成立日期", "所属领域", "推荐梯队", "年度"]
    data = csv_text(rows, headers).encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse(data)
    assert parsed.errors == []
    assert parsed.encoding == "gb18030"
    assert [row.name for _, row in parsed.rows] == names
    assert {row.sector for _, row in parsed.rows} == {"ai"}
    assert {row.cohort for _, row in parsed.rows} == {"hidden-champion"}


def test_utf8_with_bom_is_read_and_the_bom_is_not_part_of_the_first_header() -> None:
    parsed = parse(with_bom(csv_text([candidate(1, name="北辰（示例）")])))
    assert parsed.errors == []
    assert parsed.encoding == "utf-8-sig"
    assert parsed.rows[0][1].name == "北辰（示例）"


def test_utf16_text_from_excel_unicode_export_is_read() -> None:
    data = codecs.BOM_UTF16_LE + csv_text([candidate(1)], delimiter="\t").encode("utf-16-le")
    parsed = parse(data, filename="list.txt")
    assert parsed.errors == []
    assert parsed.encoding == "utf-16"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters_are_sniffed(delimiter: str) -> None:
    parsed = parse(csv_text([candidate(1), candidate(2)], delimiter=delimiter).encode())
    assert parsed.errors == []
    assert len(parsed.rows) == 2


def test_full_width_uscc_in_a_cell_is_normalised() -> None:
    code = uscc_for(5)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    parsed = parse(csv_text([candidate(5, uscc="\u3000" + full_width)]).encode())
    assert parsed.errors == []
    assert parsed.rows[0][1].uscc == code


def test_wrong_check_character_is_reported_with_the_expected_one() -> None:
    code = uscc_for(5)
    wrong = "0" if code[-1] != "0" else "1"
    parsed = parse(csv_text([candidate(5, uscc=code[:-1] + wrong)]).encode())
    assert parsed.errors == [
        RowProblem(
            row=2, field="uscc", message=f"check character is {wrong!r}, expected {code[-1]!r}"
        )
    ]


def test_one_bad_row_among_a_thousand_is_reported_with_its_row_number_and_field() -> None:
    rows = [candidate(i) for i in range(1000)]
    rows[500] = candidate(500, employees="-3")
    parsed = parse(csv_text(rows).encode())
    assert [(e.row, e.field) for e in parsed.errors] == [(502, "employees")]
    assert "greater than or equal to 0" in parsed.errors[0].message
    assert len(parsed.rows) == 999
    assert parsed.rows_seen == 1000
    assert parsed.rejected_rows == [502]
    assert [n for n, _ in parsed.rows][:3] == [2, 3, 4]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "长" * 201}, "name", "at most 200 characters (got 201)"),
        ({"employees": str(2**63)}, "employees", "less than or equal to 9223372036854775807"),
        ({"employees": "9" * 40}, "employees", "less than or equal to"),
        ({"founded_on": "2018-02-30"}, "founded_on", "'2018-02-30' is not a calendar date"),
        ({"employees": "-1"}, "employees", "greater than or equal to 0"),
        ({"rd_staff": "41"}, "rd_staff", "rd_staff (41) exceeds employees (40)"),
        ({"employees": "forty"}, "employees", "(got 'forty')"),
        ({"fiscal_year": "1900"}, "fiscal_year", "greater than or equal to 1949"),
        ({"sector": "博彩"}, "sector", "not a sector code"),
        ({"cohort": "unicorn"}, "cohort", "Input should be"),
        ({"name": "北辰\u0007科技"}, "name", "U+0007"),
    ],
)
def test_bad_cells_become_row_errors(overrides: dict[str, str], field: str, fragment: str) -> None:
    parsed = parse(csv_text([candidate(1), candidate(2, **overrides)]).encode())
    assert len(parsed.errors) == 1, parsed.errors
    (error,) = parsed.errors
    assert (error.row, error.field) == (3, field)
    assert fragment in error.message
    assert [n for n, _ in parsed.rows] == [2]


def test_nul_byte_in_a_csv_refuses_the_file_with_a_clear_message() -> None:
    data = csv_text([candidate(1), candidate(2, name="北辰\x00科技")]).encode()
    parsed = parse(data)
    assert parsed.refused
    assert parsed.rows == []
    assert parsed.errors == [
        RowProblem(
            row=3,  # the header is row 1, as in every row error
            field="name",
            message="the file contains a NUL character (line 3); a CSV is plain text — "
            "if this is an Excel workbook, upload it as .xlsx",
        )
    ]


def test_undecodable_bytes_are_refused() -> None:
    parsed = parse(b"uscc,name\n\xff\xfe\xff,x\n")
    assert parsed.refused
    assert "neither UTF-8 nor GB18030" in parsed.errors[0].message
    assert (parsed.errors[0].row, parsed.errors[0].field) == (2, "uscc")


def test_a_refusal_names_the_row_and_column_even_across_quoted_line_breaks() -> None:
    # Row 3's address spans two lines inside quotes: line 5 of the file is still row 3.
    data = ('uscc,name,address\n91110108MA00000011,甲,北京\n'
            '91110108MA00000022,乙,"海淀\n中关村"\n91110108MA00000033,丙,x\x00\n').encode()
    nul = parse(data)
    assert (nul.errors[0].row, nul.errors[0].field) == (4, "address")
    assert "(line 5)" in nul.errors[0].message
    undecodable = parse(data.replace(b"x\x00", b"x") .replace("丙".encode(), b"\x81\x20"))
    assert (undecodable.errors[0].row, undecodable.errors[0].field) == (4, "name")
    broken = parse(b'uscc,name\n91110108MA00000011,"a"b"\n')
    assert broken.refused
    header_itself = parse(b"us\x00cc,name\n1,2\n")
    assert (header_itself.errors[0].row, header_itself.errors[0].field) == (None, None)


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("台灣積體電路製造股份有限公司", "big5"), ("台湾積体電路製造株式会社", "shift_jis")],
)
def test_big5_and_shift_jis_are_refused_though_gb18030_decodes_them(
    name: str, encoding: str
) -> None:
    data = csv_text([candidate(1, name=name)]).encode(encoding)
    data.decode("gb18030")
    parsed = parse(data)
    assert parsed.refused
    assert "does not read as GB18030" in parsed.errors[0].message
    assert "accepted encodings: UTF-8" in parsed.errors[0].message


def test_gb18030_with_a_few_rare_name_characters_is_still_read() -> None:
    rows = [candidate(1, name="北京王喆堃科技有限公司"), candidate(2, name="海淀区示例公司")]
    parsed = parse(csv_text(rows).encode("gb18030"))
    assert parsed.errors == []
    assert parsed.encoding == "gb18030"
    assert [row.name for _, row in parsed.rows] == ["北京王喆堃科技有限公司", "海淀区示例公司"]


def test_unknown_header_is_named_with_a_suggestion() -> None:
    parsed = parse(csv_text([candidate(1) | {"revenu": "5"}]).encode())
    assert parsed.refused
    assert parsed.errors == [
        RowProblem(
            row=1,
            field=None,
            message="unknown column 'revenu' (column 9) (did you mean 'revenue'?)",
        )
    ]


def test_missing_required_header_is_reported() -> None:
    row = candidate(1)
    del row["cohort"]
    parsed = parse(csv_text([row]).encode())
    assert parsed.refused
    assert parsed.errors == [
        RowProblem(row=1, field="cohort", message="required column 'cohort' (推荐梯队) is missing")
    ]


def test_the_same_column_twice_is_reported() -> None:
    text = csv_text([candidate(1)]).replace("uscc,name", "uscc,统一社会信用代码", 1)
    parsed = parse(text.encode())
    assert parsed.refused
    assert parsed.errors[0] == RowProblem(
        row=1, field="uscc", message="columns 1 and 2 both mean 'uscc'"
    )


def test_more_rows_than_allowed_is_one_error() -> None:
    rows = [candidate(i) for i in range(11)]
    assert parse(csv_text(rows[:10]).encode(), max_rows=10).errors == []
    parsed = parse(csv_text(rows).encode(), max_rows=10)
    assert parsed.refused
    assert parsed.rows == []
    assert parsed.errors == [
        RowProblem(
            row=None,
            field=None,
            message="the list has more than 10 rows, the most one upload may hold; "
            "split it into several lists",
        )
    ]


def test_blank_rows_are_skipped_but_keep_their_numbers() -> None:
    text = csv_text([candidate(1), candidate(2, employees="-1")])
    lines = text.split("\r\n")
    text = "\r\n".join([lines[0], "", lines[1], ",,,,,,,", lines[2], ""])
    parsed = parse(text.encode())
    assert [n for n, _ in parsed.rows] == [3]
    assert [(e.row, e.field) for e in parsed.errors] == [(5, "employees")]


def test_a_quoted_line_break_stays_inside_one_row() -> None:
    rows = [candidate(1, sub_segment="第一行\n第二行"), candidate(2, employees="x")]
    headers = [*rows[0]]
    parsed = parse(csv_text(rows, headers).encode())
    # The record spans two lines but is one spreadsheet row: the next row is still row 3.
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "sub_segment"), (3, "employees")]
    assert "U+000A" in parsed.errors[0].message


def test_cells_beyond_the_header_are_reported() -> None:
    text = csv_text([candidate(1)]).rstrip("\r\n") + ",surprise\r\n"
    parsed = parse(text.encode())
    assert parsed.errors == [
        RowProblem(row=2, field=None, message="the row has 1 value(s) beyond the last header")
    ]


def test_spreadsheet_number_spellings_are_read() -> None:
    headers = ["uscc", "name", "founded_on", "sector", "cohort", "fiscal_year", "revenue",
               "segment_market_share", "employees"]  # fmt: skip
    row = candidate(1, revenue="1,234,567.5", segment_market_share="35%", employees="1,200")
    parsed = parse(csv_text([row], headers).encode())
    assert parsed.errors == []
    figures = parsed.rows[0][1]
    assert (figures.revenue, figures.segment_market_share, figures.employees) == (
        1234567.5, 0.35, 1200,
    )  # fmt: skip


def test_empty_file_and_header_only_file_are_refused() -> None:
    assert parse(b"").errors == [RowProblem(row=None, field=None, message="the file is empty")]
    header_only = parse(b"uscc,name,founded_on,sector,cohort\r\n")
    assert header_only.refused
    assert header_only.errors == [
        RowProblem(row=None, field=None, message="the list has no data rows")
    ]


def test_figures_left_empty_are_not_reported() -> None:
    parsed = parse(csv_text([candidate(1, employees="", rd_staff="")]).encode())
    assert parsed.errors == []
    row = parsed.rows[0][1]
    assert row.employees is None
    assert row.filing() is None


# --- JSON bodies ---------------------------------------------------------------------------


def json_row(index: int, **overrides: Any) -> dict[str, Any]:
    """Return a valid JSON row, typed as a client would send it."""
    return {
        "uscc": uscc_for(index), "name": f"测试企业{index}（示例）", "founded_on": "2019-04-01",
        "sector": "ai", "cohort": "leader", "fiscal_year": 2023, "employees": 40, "rd_staff": 12,
    } | overrides  # fmt: skip


def test_json_rows_are_numbered_from_one() -> None:
    parsed = rows_from_json({"rows": [json_row(1), json_row(2, employees=-5), json_row(3)]})
    assert [n for n, _ in parsed.rows] == [1, 3]
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "employees")]
    assert parsed.format == "json"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "北辰\x00科技"}, "name", "NUL character"),
        ({"name": "长" * 201}, "name", "at most 200"),
        ({"employees": 2**64}, "employees", "less than or equal to 9223372036854775807"),
        ({"founded_on": "2018-02-30"}, "founded_on", "not a calendar date"),
        ({"employees": -1}, "employees", "greater than or equal to 0"),
        ({"rd_staff": 41}, "rd_staff", "rd_staff (41) exceeds employees (40)"),
        ({"unexpected": 1}, "unexpected", "unknown field 'unexpected'"),
        ({"revenue": 1e400}, "revenue", "finite"),
    ],
)
def test_json_mistakes_become_row_errors(
    overrides: dict[str, Any], field: str, fragment: str
) -> None:
    parsed = rows_from_json([json_row(1, **overrides)])
    assert len(parsed.errors) == 1, parsed.errors
    (error,) = parsed.errors
    assert (error.row, error.field) == (1, field)
    assert fragment in error.message


def test_json_null_and_blank_values_are_empty_cells() -> None:
    parsed = rows_from_json([json_row(1, name_en=None, sub_segment="  ", employees=None)])
    assert parsed.errors == []
    assert parsed.rows[0][1].employees is None
    required = rows_from_json([json_row(1, name=None)])
    assert required.errors == [RowProblem(row=1, field="name", message="name is required")]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"rows": "all of them"}, '{"rows": [...]}'),
        ({"rows": [], "round": 3}, "unknown field 'round'"),
        (42, '{"rows": [...]}'),
        ([], "no data rows"),
    ],
)
def test_json_bodies_of_the_wrong_shape_are_refused(payload: object, fragment: str) -> None:
    parsed = rows_from_json(payload)
    assert parsed.refused
    assert fragment in parsed.errors[0].message


def test_json_rows_that_are_not_objects_are_row_errors() -> None:
    parsed = rows_from_json([json_row(1), ["not", "an", "object"]])
    assert parsed.errors == [
        RowProblem(row=2, field=None, message="a row must be an object keyed by column")
    ]


def test_json_row_limit() -> None:
    parsed = rows_from_json([json_row(i) for i in range(4)], max_rows=3)
    assert parsed.refused
    assert "more than the 3" in parsed.errors[0].message


def test_the_garbage_collector_is_left_as_it_was_found() -> None:
    data = csv_text([candidate(1)]).encode()
    assert gc.isenabled()
    parse(data)
    rows_from_json([json_row(1)])
    assert gc.isenabled()
    gc.disable()
    try:
        parse(data)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_number_spellings_are_read_on_every_row_before_and_after_the_first() -> None:
    headers = ["uscc", "name", "founded_on", "sector", "cohort", "fiscal_year", "revenue"]
    spellings = ["1000", "1,000", "2,000.5", "3000", "1,2,3"]
    rows = [candidate(i, revenue=text) for i, text in enumerate(spellings)]
    parsed = parse(csv_text(rows, headers).encode())
    assert [row.revenue for _, row in parsed.rows] == [1000, 1000, 2000.5, 3000]
    assert [(e.row, e.field) for e in parsed.errors] == [(6, "revenue")]
    assert "(got '1,2,3')" in parsed.errors[0].message
