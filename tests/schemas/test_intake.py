"""The candidate-list column contract and the model of one row."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from stdnum.cn import uscc as stdnum_uscc

from schemas.intake import COLUMNS, NominationList, NominationRow, column_for_header
from scoring.vocabulary import FILING_FIELDS, SECTORS, Cohort


def row_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid row with ``overrides`` applied."""
    body = "91110108MA01234X5"
    return {
        "uscc": body + stdnum_uscc.calc_check_digit(body),
        "name": "测试科技有限公司（示例）",
        "founded_on": "2019-04-01",
        "sector": "ai",
        "cohort": "seed",
    } | overrides


def test_columns_are_exactly_the_row_fields() -> None:
    assert [c.name for c in COLUMNS] == [
        "uscc", "name", "name_en", "founded_on", "sector", "sub_segment", "listed", "cohort",
        "fiscal_year", *(f.name for f in FILING_FIELDS),
        "round_date", "round_stage", "round_amount", "round_valuation",
    ]  # fmt: skip
    assert {c.name for c in COLUMNS} == set(NominationRow.model_fields)
    for column in COLUMNS:
        assert NominationRow.model_fields[column.name].is_required() == column.required, column


def test_headers_match_names_and_aliases_loosely() -> None:
    assert (column := column_for_header("  ＵＳＣＣ ")) is not None
    assert column.name == "uscc"
    assert (column := column_for_header("Fiscal_Year")) is not None
    assert column.name == "fiscal_year"
    assert (column := column_for_header("会计年度")) is not None
    assert column.name == "fiscal_year"
    for field in FILING_FIELDS:
        assert (column := column_for_header(field.label_zh)) is not None
        assert column.name == field.name
    assert column_for_header("revenu") is None


@pytest.mark.parametrize(
    ("cell", "cohort"),
    [("领军企业", Cohort.LEADER), ("隐形冠军", Cohort.HIDDEN_CHAMPION), ("种子企业", Cohort.SEED),
     ("Hidden-Champion", Cohort.HIDDEN_CHAMPION), ("seed", Cohort.SEED)],
)  # fmt: skip
def test_cohort_accepts_ids_and_chinese_labels(cell: str, cohort: Cohort) -> None:
    assert NominationRow.model_validate(row_body(cohort=cell)).cohort is cohort


def test_sector_accepts_chinese_labels() -> None:
    for sector in SECTORS:
        row = NominationRow.model_validate(row_body(sector=sector.label_zh))
        assert row.sector == sector.code


@pytest.mark.parametrize(
    ("cell", "listed"),
    [("是", True), ("否", False), ("true", True), ("FALSE", False), ("1", True), ("0", False),
     ("Y", True), ("n", False)],
)  # fmt: skip
def test_listed_accepts_yes_no_spellings(cell: str, listed: bool) -> None:
    assert NominationRow.model_validate(row_body(listed=cell)).listed is listed


def test_figures_need_a_fiscal_year() -> None:
    with pytest.raises(ValidationError) as caught:
        NominationRow.model_validate(row_body(revenue=1000))
    (error,) = caught.value.errors()
    assert error["ctx"]["field"] == "fiscal_year"
    assert error["msg"] == "fiscal_year is required when figures are given"


def test_a_funding_round_needs_date_and_stage() -> None:
    with pytest.raises(ValidationError) as caught:
        NominationRow.model_validate(row_body(round_date="2023-01-02", round_amount=5))
    (error,) = caught.value.errors()
    assert error["ctx"]["field"] == "round_stage"


def test_row_splits_into_firm_filing_and_funding_round() -> None:
    row = NominationRow.model_validate(
        row_body(
            fiscal_year=2023, revenue=1e6, employees=10, rd_staff=3, round_date="2023-03-01",
            round_stage="天使轮", round_amount=2e6, round_valuation=1e7, name_en="Test",
        )
    )  # fmt: skip
    assert row.firm().model_dump() == {
        "name": "测试科技有限公司（示例）", "name_en": "Test", "founded_on": row.founded_on,
        "sector": "ai", "sub_segment": None, "listed": False,
    }  # fmt: skip
    filing = row.filing()
    assert filing is not None
    assert filing.reported() == {
        "revenue": 1e6, "employees": 10, "rd_staff": 3,
    }
    funding = row.funding_round()
    assert funding is not None
    assert (funding.stage, funding.amount, funding.post_money_valuation) == ("angel", 2e6, 1e7)


def test_a_row_without_figures_has_no_filing() -> None:
    row = NominationRow.model_validate(row_body(fiscal_year=2023))
    assert row.filing() is None
    assert row.funding_round() is None


def test_json_list_has_bounds() -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        NominationList.model_validate({"rows": []})
    assert len(NominationList.model_validate({"rows": [row_body()]}).rows) == 1
