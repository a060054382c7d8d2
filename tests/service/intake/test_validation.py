"""Cross-row rules: duplicates name both rows; a firm's rows agree on its profile and cohort."""

from __future__ import annotations

from schemas.problems import RowProblem
from tests.service.intake.builders import candidate, csv_text, parse, uscc_for


def test_same_uscc_and_fiscal_year_twice_names_both_rows() -> None:
    rows = [candidate(1), candidate(2), candidate(3), candidate(1)]
    parsed = parse(csv_text(rows).encode())
    assert parsed.errors == [
        RowProblem(
            row=5,
            field="uscc",
            message=f"USCC {uscc_for(1)} appears twice for fiscal year 2023: rows 2 and 5",
        )
    ]
    assert [n for n, _ in parsed.rows] == [2, 3, 4]


def test_a_full_width_duplicate_is_still_a_duplicate() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in uscc_for(1))
    parsed = parse(csv_text([candidate(1), candidate(1, uscc=full_width)]).encode())
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "uscc")]
    assert "rows 2 and 3" in parsed.errors[0].message


def test_one_firm_over_several_fiscal_years_is_fine() -> None:
    rows = [candidate(1, fiscal_year=str(year)) for year in (2021, 2022, 2023)]
    parsed = parse(csv_text(rows).encode())
    assert parsed.errors == []
    assert len(parsed.rows) == 3


def test_without_fiscal_year_a_firm_takes_one_row() -> None:
    rows = [candidate(1, fiscal_year="", employees="", rd_staff=""), candidate(1)]
    parsed = parse(csv_text(rows).encode())
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "uscc")]
    assert "rows 2 and 3" in parsed.errors[0].message


def test_rows_of_one_firm_must_agree_on_cohort_and_profile() -> None:
    rows = [
        candidate(1, fiscal_year="2022"),
        candidate(1, fiscal_year="2023", cohort="leader", name="别的名字（示例）"),
    ]
    parsed = parse(csv_text(rows).encode())
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "cohort"), (3, "name")]
    assert parsed.errors[0].message.startswith("cohort 'leader' differs from row 2 ('seed')")
    assert [n for n, _ in parsed.rows] == [2]


def test_labels_that_mean_the_same_value_agree() -> None:
    rows = [candidate(1, fiscal_year="2022", cohort="种子企业"), candidate(1, cohort="seed")]
    assert parse(csv_text(rows).encode()).errors == []
