"""API models of the firm registry: profiles, yearly filings and funding rounds."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from schemas.scalars import (
    Amount,
    CalendarDate,
    Count,
    FiscalYear,
    FoundingDate,
    FundingStage,
    LongText,
    Rank,
    Ratio,
    SectorCode,
    ShortText,
    SignedAmount,
    plain_number,
    reject,
)
from schemas.uscc import USCC
from scoring.vocabulary import FILING_FIELDS

__all__ = [
    "FILING_CEILINGS",
    "FilingFigures",
    "FilingIn",
    "FilingOut",
    "FirmIn",
    "FirmOut",
    "FirmProfile",
    "FundingRoundIn",
    "FundingRoundOut",
    "valuation_covers_amount",
]

# Figure → the figure it is part of, by definition; nothing else about a filing is invariant.
FILING_CEILINGS: dict[str, str] = {
    "main_business_revenue": "revenue",
    "export_revenue": "revenue",
    "technical_staff": "employees",
    "rd_staff": "employees",
    "ip_class1_self_developed": "ip_class1",
    "ip_class1_high_value": "ip_class1",
}


class FirmProfile(BaseModel):
    """The descriptive part of a firm, as a client writes it."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    name_en: ShortText | None = None
    founded_on: CalendarDate
    sector: SectorCode
    sub_segment: ShortText | None = None
    listed: bool = False


class FirmIn(FirmProfile):
    """Body of ``PUT /v1/firms/{uscc}``; the code itself is in the path."""

    founded_on: FoundingDate
    listed: bool = Field(default=False, strict=True)  # JSON true or false, not 0 or "yes"


class FirmOut(FirmProfile):
    """A stored firm profile with its identity, region and concurrency version."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    uscc: USCC
    region: str
    created_at: datetime
    updated_at: datetime
    version: int


class FilingFigures(BaseModel):
    """The yearly figures of ``scoring.vocabulary.FILING_FIELDS``; ``None`` means not reported."""

    model_config = ConfigDict(extra="forbid")

    # Declared in FILING_FIELDS order so that each ceiling is validated before its parts.
    revenue: Amount | None = None
    main_business_revenue: Amount | None = None
    net_profit: SignedAmount | None = None
    total_costs: Amount | None = None
    total_assets: Amount | None = None
    total_liabilities: Amount | None = None
    rd_expense: Amount | None = None
    employees: Count | None = None
    technical_staff: Count | None = None
    rd_staff: Count | None = None
    export_revenue: Amount | None = None
    ip_class1: Count | None = None
    ip_class1_self_developed: Count | None = None
    ip_class1_high_value: Count | None = None
    ip_class2: Count | None = None
    pct_applications: Count | None = None
    standards_international: Count | None = None
    standards_national: Count | None = None
    standards_industry: Count | None = None
    tech_transfers: Count | None = None
    segment_market_share: Ratio | None = None
    segment_rank: Rank | None = None
    alliances_led: Count | None = None
    innovation_centres_led: Count | None = None

    FIGURE_NAMES: ClassVar[tuple[str, ...]] = tuple(f.name for f in FILING_FIELDS)

    @field_validator(*FILING_CEILINGS)
    @classmethod
    def _within_total(cls, value: float | None, info: ValidationInfo) -> float | None:
        """Refuse a part larger than its whole (R&D staff above employees, …)."""
        assert info.field_name is not None
        whole_name = FILING_CEILINGS[info.field_name]
        whole = info.data.get(whole_name)
        if value is not None and whole is not None and value > whole:
            raise reject(
                "exceeds_total",
                f"{info.field_name} ({plain_number(value)}) exceeds "
                f"{whole_name} ({plain_number(whole)})",
            )
        return value

    def reported(self) -> dict[str, float | int]:
        """Return the figures that were reported, by name."""
        values = {name: getattr(self, name) for name in self.FIGURE_NAMES}
        return {name: value for name, value in values.items() if value is not None}


class FilingIn(FilingFigures):
    """Body of ``PUT /v1/firms/{uscc}/filings/{fiscal_year}``."""

    # Strict: JSON true/false are not the numbers 1 and 0 (dates are parsed before the check).
    model_config = ConfigDict(extra="forbid", strict=True)


class FilingOut(FilingFigures):
    """A stored filing of one firm and fiscal year."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    uscc: USCC
    fiscal_year: FiscalYear
    created_at: datetime
    updated_at: datetime


def valuation_covers_amount(value: float | None, raised: float | None, *, field: str,
                            amount: str) -> float | None:
    """Post-money valuation is pre-money plus the amount raised, so it cannot be smaller.

    ``field`` and ``amount`` name the two values in the error, as the client sent them.
    """
    if value is not None and raised is not None and value < raised:
        raise reject(
            "valuation_below_amount",
            f"{field} ({plain_number(value)}) is below {amount} ({plain_number(raised)})",
        )
    return value


class FundingRoundIn(BaseModel):
    """Body of ``POST /v1/firms/{uscc}/funding-rounds``."""

    # Strict: JSON true/false are not the numbers 1 and 0 (dates are parsed before the check).
    model_config = ConfigDict(extra="forbid", strict=True)

    announced_on: CalendarDate
    stage: FundingStage
    amount: Amount | None = None
    post_money_valuation: Amount | None = None
    investors: LongText | None = None

    @field_validator("post_money_valuation")
    @classmethod
    def _valuation_covers_amount(cls, value: float | None, info: ValidationInfo) -> float | None:
        return valuation_covers_amount(value, info.data.get("amount"),
                                       field="post_money_valuation", amount="the amount raised")


class FundingRoundOut(FundingRoundIn):
    """A stored funding round of one firm."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int
    uscc: USCC
    created_at: datetime
