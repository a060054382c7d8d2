"""The firm, filing and funding-round API models refuse what the database could not hold."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from schemas.firms import FILING_CEILINGS, FilingIn, FirmIn, FundingRoundIn
from schemas.problems import Problem, RowProblem
from schemas.scalars import AMOUNT_LIMIT, INT64_MAX
from scoring.vocabulary import FILING_FIELDS


def firm_body(**overrides: Any) -> dict[str, Any]:
    """Return a valid ``FirmIn`` body with ``overrides`` applied."""
    body = {"name": "测试科技有限公司（示例）", "founded_on": "2019-04-01", "sector": "ai"}
    return body | overrides


def only_error(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[tuple[Any, ...], str]:
    """Return the location and message of the single error raised."""
    errors = exc.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["loc"], errors[0]["msg"]


def test_filing_fields_are_exactly_the_vocabulary() -> None:
    assert list(FilingIn.model_fields) == [f.name for f in FILING_FIELDS]
    json_type = {"amount": "number", "ratio": "number", "count": "integer"}
    properties = FilingIn.model_json_schema()["properties"]
    for field in FILING_FIELDS:
        types = {option.get("type") for option in properties[field.name]["anyOf"]}
        assert types == {json_type[field.kind], "null"}, field.name


def test_firm_accepts_a_plain_profile() -> None:
    firm = FirmIn.model_validate(firm_body(name="  北辰（示例） "))
    assert firm.name == "北辰（示例）"
    assert firm.listed is False


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "北辰\x00科技"}, "name", "NUL character at position 3"),
        ({"name": "北辰\x1b科技"}, "name", "U+001B"),
        ({"name_en": "Bei\ud800chen"}, "name_en", "unicode string"),
        ({"name": "长" * 201}, "name", "at most 200"),
        ({"name": "   "}, "name", "at least 1"),
        ({"founded_on": "2018-02-30"}, "founded_on", "'2018-02-30' is not a calendar date"),
        ({"founded_on": "yesterday"}, "founded_on", "YYYY-MM-DD"),
        ({"founded_on": 1518000000}, "founded_on", "YYYY-MM-DD"),
        ({"founded_on": "1700-01-01"}, "founded_on", "1800-01-01"),
        ({"sector": "gambling"}, "sector", "not a sector code"),
        ({"sub_segment": "x" * 201}, "sub_segment", "at most 200"),
        ({"website": "http://example.com"}, "website", "Extra inputs"),
    ],
)
def test_firm_refuses_bad_values(overrides: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FirmIn.model_validate(firm_body(**overrides))
    loc, message = only_error(caught)
    assert loc == (field,)
    assert fragment in message


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"employees": -1}, "employees"),
        ({"employees": INT64_MAX + 1}, "employees"),
        ({"employees": 2**70}, "employees"),
        ({"ip_class2": "99999999999999999999999"}, "ip_class2"),
        ({"revenue": -1.0}, "revenue"),
        ({"revenue": float("inf")}, "revenue"),
        ({"net_profit": float("nan")}, "net_profit"),
        ({"total_assets": AMOUNT_LIMIT * 10.0}, "total_assets"),
        ({"segment_market_share": 1.2}, "segment_market_share"),
        ({"segment_rank": 0}, "segment_rank"),
        ({"employees": 1.5}, "employees"),
    ],
)
def test_filing_refuses_out_of_range_numbers(figures: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FilingIn.model_validate(figures)
    loc, _ = only_error(caught)
    assert loc == (field,)


def test_filing_accepts_the_extremes() -> None:
    filing = FilingIn.model_validate(
        {"employees": INT64_MAX, "net_profit": -AMOUNT_LIMIT, "segment_market_share": 1}
    )
    assert filing.reported() == {
        "net_profit": -AMOUNT_LIMIT, "employees": INT64_MAX, "segment_market_share": 1.0,
    }  # fmt: skip


@pytest.mark.parametrize(("part", "whole"), sorted(FILING_CEILINGS.items()))
def test_a_part_cannot_exceed_its_whole(part: str, whole: str) -> None:
    assert FilingIn.model_validate({whole: 10, part: 10}).reported() == {whole: 10, part: 10}
    with pytest.raises(ValidationError) as caught:
        FilingIn.model_validate({whole: 10, part: 11})
    loc, message = only_error(caught)
    assert loc == (part,)
    assert message == f"{part} (11) exceeds {whole} (10)"


def test_a_part_alone_is_not_checked() -> None:
    assert FilingIn.model_validate({"rd_staff": 50}).rd_staff == 50


def test_funding_round_valuation_cannot_be_below_the_amount() -> None:
    body = {"announced_on": "2023-05-06", "stage": "Series-A", "amount": 5e7}
    assert FundingRoundIn.model_validate(body).stage == "series-a"
    with pytest.raises(ValidationError) as caught:
        FundingRoundIn.model_validate(body | {"post_money_valuation": 1e7})
    loc, message = only_error(caught)
    assert loc == ("post_money_valuation",)
    assert "below the amount raised" in message


def test_funding_round_refuses_unknown_stage() -> None:
    with pytest.raises(ValidationError, match="not a funding stage"):
        FundingRoundIn.model_validate({"announced_on": "2023-05-06", "stage": "series-z"})


def test_problem_carries_row_errors() -> None:
    problem = Problem(
        title="Invalid candidate list",
        status=422,
        errors=[RowProblem(row=3, field="employees", message="must be ≥ 0")],
    )
    dumped = problem.model_dump(exclude_none=True)
    assert dumped["errors"] == [{"row": 3, "field": "employees", "message": "must be ≥ 0"}]
    assert dumped["type"] == "about:blank"
