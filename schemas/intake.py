"""The column contract of a candidate list (CSV, XLSX or JSON) and the model of one of its rows.

A candidate list nominates firms for cohorts in a selection round. It has one row per firm and
fiscal year; a firm with three years of figures takes three rows that repeat its profile and
cohort. The first row of a CSV or XLSX file is the header; headers are matched after NFKC
normalisation, trimming and case-folding, so ``USCC``, ``ｕｓｃｃ`` and ``统一社会信用代码``
name the same column. Column order does not matter; columns that are not required may be left out.

==================  ===================  ====  ======================================
column              Chinese alias        req.  value
==================  ===================  ====  ======================================
uscc                统一社会信用代码     yes   18-character USCC
name                企业名称             yes   Chinese name, ≤ 200 characters
name_en             英文名称             no    English name, ≤ 200 characters
founded_on          成立日期             yes   YYYY-MM-DD (2018/2/28 and
                                               2018年2月28日 accepted)
sector              所属领域             yes   sector code or its Chinese label
sub_segment         细分领域             no    the niche, ≤ 200 characters
listed              是否上市             no    是/否, true/false, 1/0, Y/N; default no
cohort              推荐梯队             yes   leader, hidden-champion, seed (or
                                               领军企业, 隐形冠军, 种子企业)
fiscal_year         年度, 会计年度       no    1949–2100; needed when figures given
each FILING_FIELDS  its label_zh         no    empty = not reported
round_date          融资日期             no    date of one funding round
round_stage         融资轮次             no    angel … strategic (天使轮, A轮, …)
round_amount        融资金额             no    amount raised, yuan
round_valuation     投后估值             no    post-money valuation, yuan
==================  ===================  ====  ======================================

Amounts are yuan, counts whole numbers, ratios fractions; in CSV and XLSX cells ``1,234,567.5``
and ``35%`` are read as spreadsheets display them. Rows are numbered as a spreadsheet shows
them (header = row 1, first data row = 2). In a JSON body (``{"rows": [...]}``) the keys are
the English column names and rows are numbered from 1 in list order. ``COLUMNS`` holds the
same contract as data, for the README and ``GET /v1/intake/columns``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from schemas.firms import (
    FilingFigures,
    FilingIn,
    FirmIn,
    FundingRoundIn,
    valuation_covers_amount,
)
from schemas.scalars import (
    Amount,
    CalendarDate,
    FiscalYear,
    FoundingDate,
    FundingStage,
    SectorCode,
    ShortText,
)
from schemas.uscc import USCC
from scoring.vocabulary import FILING_FIELDS, FUNDING_STAGES, SECTORS, Cohort

__all__ = [
    "COLUMNS",
    "MAX_JSON_ROWS",
    "Column",
    "NominationList",
    "NominationRow",
    "column_for_header",
    "header_key",
]

MAX_JSON_ROWS = 100_000
"""Most rows a JSON candidate list may hold (the default row limit of the service)."""


def header_key(text: str) -> str:
    """Return the form in which headers and labels are compared: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


class Column(BaseModel):
    """One column of the candidate-list contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    aliases: tuple[str, ...]
    required: bool
    type: str
    description: str


_AMOUNT_KIND = {"amount": "amount", "count": "count", "ratio": "ratio"}
_KIND_NOTE = {
    "amount": "yuan, ≥ 0",
    "signed-amount": "yuan, may be negative",
    "count": "whole number ≥ 0",
    "rank": "whole number ≥ 1",
    "ratio": "fraction 0–1 (35% accepted in files)",
}


def _figure_type(name: str, kind: str) -> str:
    """Return the contract type of a yearly figure."""
    if name == "net_profit":
        return "signed-amount"
    if name == "segment_rank":
        return "rank"
    return _AMOUNT_KIND[kind]


COLUMNS: tuple[Column, ...] = (
    Column(name="uscc", aliases=("统一社会信用代码",), required=True, type="uscc",
           description="Unified Social Credit Code, 18 characters; full-width input is accepted."),
    Column(name="name", aliases=("企业名称",), required=True, type="text",
           description="Registered Chinese name, 1–200 characters."),
    Column(name="name_en", aliases=("英文名称",), required=False, type="text",
           description="English name, up to 200 characters."),
    Column(name="founded_on", aliases=("成立日期",), required=True, type="date",
           description="Founding date, YYYY-MM-DD (2018/2/28 and 2018年2月28日 accepted)."),
    Column(name="sector", aliases=("所属领域",), required=True, type="sector",
           description="Priority-sector code (e.g. ai, ic-design, other) or its Chinese label."),
    Column(name="sub_segment", aliases=("细分领域",), required=False, type="text",
           description="The firm's niche, up to 200 characters."),
    Column(name="listed", aliases=("是否上市",), required=False, type="boolean",
           description="Listed on a stock exchange: 是/否, true/false, 1/0, Y/N; default no."),
    Column(name="cohort", aliases=("推荐梯队",), required=True, type="cohort",
           description="leader, hidden-champion or seed (or 领军企业, 隐形冠军, 种子企业)."),
    Column(name="fiscal_year", aliases=("年度", "会计年度"), required=False, type="year",
           description="Fiscal year of the figures, 1949–2100; required when figures are given."),
    *(
        Column(name=f.name, aliases=(f.label_zh,), required=False,
               type=_figure_type(f.name, f.kind),
               description=f"{f.label_zh}: {_KIND_NOTE[_figure_type(f.name, f.kind)]}; "
                           "empty = not reported.")
        for f in FILING_FIELDS
    ),
    Column(name="round_date", aliases=("融资日期",), required=False, type="date",
           description="Date of one funding round; with round_stage, required if any round_* "
                       "column is filled."),
    Column(name="round_stage", aliases=("融资轮次",), required=False, type="funding-stage",
           description=f"Stage of that round: {', '.join(FUNDING_STAGES)} (or 天使轮, A轮, …)."),
    Column(name="round_amount", aliases=("融资金额",), required=False, type="amount",
           description="Amount raised in that round, yuan."),
    Column(name="round_valuation", aliases=("投后估值",), required=False, type="amount",
           description="Post-money valuation after that round, yuan; not below round_amount."),
)  # fmt: skip
"""The column contract, in the order a template file lists the columns."""

_COLUMN_BY_KEY: dict[str, Column] = {
    header_key(label): column for column in COLUMNS for label in (column.name, *column.aliases)
}


def column_for_header(header: str) -> Column | None:
    """Return the column a header names (English name or Chinese alias), if any."""
    return _COLUMN_BY_KEY.get(header_key(header))


def _labelled(mapping: dict[str, str], value: Any) -> Any:
    """Translate a label to its identifier; other text comes back trimmed and case-folded."""
    if isinstance(value, str):
        found = mapping.get(value)
        if found is not None:
            return found
        key = header_key(value)
        return mapping.get(key, key)
    return value


_SECTOR_BY_LABEL = {
    header_key(label): s.code for s in SECTORS for label in (s.code, s.label_zh, s.label_en)
}
_COHORT_BY_LABEL = {
    **{header_key(c.value): c.value for c in Cohort},
    "领军企业": Cohort.LEADER.value,
    "隐形冠军": Cohort.HIDDEN_CHAMPION.value,
    "隐形冠军企业": Cohort.HIDDEN_CHAMPION.value,
    "种子企业": Cohort.SEED.value,
}
_STAGE_BY_LABEL = {
    **{stage: stage for stage in FUNDING_STAGES},
    "天使轮": "angel", "种子轮": "seed", "a轮": "series-a", "b轮": "series-b",
    "c轮": "series-c+", "c轮及以后": "series-c+", "pre-ipo轮": "pre-ipo", "首次公开发行": "ipo",
    "私募股权": "private-equity", "战略投资": "strategic", "战略融资": "strategic",
}  # fmt: skip
_YES_NO = {"是": "true", "否": "false", "已上市": "true", "未上市": "false"}
# Column → its labels: a sector's Chinese or English label; 领军企业 / 隐形冠军 / 种子企业 for the
# cohorts; the usual Chinese names of funding stages; 是/否 beside the spellings pydantic reads
# as booleans.
_LABELS_BY_FIELD = {
    "sector": _SECTOR_BY_LABEL,
    "cohort": _COHORT_BY_LABEL,
    "round_stage": _STAGE_BY_LABEL,
    "listed": _YES_NO,
}

class NominationRow(FilingFigures):
    """One candidate-list row: a firm's profile, its cohort and optionally a year of figures."""

    model_config = ConfigDict(extra="forbid")

    uscc: USCC
    name: ShortText
    name_en: ShortText | None = None
    founded_on: FoundingDate
    sector: SectorCode
    sub_segment: ShortText | None = None
    listed: bool = False
    cohort: Cohort
    fiscal_year: FiscalYear | None = None
    round_date: CalendarDate | None = None
    round_stage: FundingStage | None = None
    round_amount: Amount | None = None
    round_valuation: Amount | None = None

    @field_validator(*_LABELS_BY_FIELD, mode="before")
    @classmethod
    def _identifier_from_label(cls, value: Any, info: ValidationInfo) -> Any:
        """Accept the column's labels (``_LABELS_BY_FIELD``) for its identifiers."""
        return _labelled(_LABELS_BY_FIELD[info.field_name or ""], value)

    @field_validator("round_valuation")
    @classmethod
    def _valuation_covers_amount(cls, value: float | None, info: ValidationInfo) -> float | None:
        return valuation_covers_amount(value, info.data.get("round_amount"),
                                       field="round_valuation", amount="round_amount")

    @model_validator(mode="after")
    def _complete(self) -> NominationRow:
        """Figures need a fiscal year; a funding round needs a date and a stage."""
        if self.fiscal_year is None and self.reported():
            raise _row_rule("fiscal_year", "fiscal_year is required when figures are given")
        if self.fiscal_year is not None and self.fiscal_year < self.founded_on.year:
            raise _row_rule(
                "founded_on",
                f"founded_on ({self.founded_on.isoformat()}) is after fiscal_year "
                f"{self.fiscal_year} of the figures given",
            )
        has_round = any(
            v is not None
            for v in (self.round_date, self.round_stage, self.round_amount, self.round_valuation)
        )
        if has_round and self.round_date is None:
            raise _row_rule("round_date", "round_date is required when a funding round is given")
        if has_round and self.round_stage is None:
            raise _row_rule("round_stage", "round_stage is required when a funding round is given")
        return self

    def firm(self) -> FirmIn:
        """Return the firm profile this row carries."""
        return FirmIn.model_construct(
            name=self.name,
            name_en=self.name_en,
            founded_on=self.founded_on,
            sector=self.sector,
            sub_segment=self.sub_segment,
            listed=self.listed,
        )

    def filing(self) -> FilingIn | None:
        """Return the row's figures for ``fiscal_year``, or ``None`` when it reports none."""
        reported: dict[str, Any] = dict(self.reported())
        return FilingIn.model_construct(None, **reported) if reported else None

    def funding_round(self) -> FundingRoundIn | None:
        """Return the funding round this row carries, if any."""
        if self.round_date is None or self.round_stage is None:
            return None
        return FundingRoundIn.model_construct(
            announced_on=self.round_date,
            stage=self.round_stage,
            amount=self.round_amount,
            post_money_valuation=self.round_valuation,
        )


def _row_rule(field: str, message: str) -> PydanticCustomError:
    """Build a row-level error that still names the column it is about (in ``ctx['field']``)."""
    return PydanticCustomError("row_rule", "{reason}", {"reason": message, "field": field})


class NominationList(BaseModel):
    """JSON body of a candidate list: ``{"rows": [...]}``, each row keyed by column name."""

    model_config = ConfigDict(extra="forbid")

    rows: list[NominationRow] = Field(min_length=1, max_length=MAX_JSON_ROWS)
