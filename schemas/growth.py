"""The growth model as the API shows it: activation, its card's evidence, the per-firm growth
section of a score explanation, and the drift watch of a pool against the training data."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.scalars import LongText

__all__ = [
    "ActivateIn",
    "DriftFeature",
    "DriftFlag",
    "DriftReport",
    "Evidence",
    "GrowthExplanation",
    "GrowthFactor",
    "GrowthModelRef",
]


class ActivateIn(BaseModel):
    """Activating a model; ``reason`` is required when its card shows no backtest beating its
    baseline, and is kept in the audit trail with the override."""

    model_config = ConfigDict(extra="forbid")

    reason: LongText | None = None


class GrowthModelRef(BaseModel):
    """A growth model by id and label, with the link to its card."""

    id: str
    label: str
    card_url: str = Field(description="GET it for the model card (admin).")


class Evidence(BaseModel):
    """Whether the card's time-split backtest shows the model beating its baseline."""

    rule: str
    passes: bool
    reason: str
    model_auc: float | None = None
    baseline_auc: dict[str, float] | None = None
    test_years: list[int] | None = None


class DriftFeature(BaseModel):
    """One feature of the pool against the training data."""

    feature: str
    psi: float = Field(description="Population stability index: Σ (a − e) · ln(a / e) over the "
                                   "training deciles and a missing bin, shares floored at 1e-4.")
    outside_range: float = Field(description="Share of the pool's known values outside the "
                                             "training range (or categories never seen).")
    missing_share: float
    level: Literal["stable", "moderate", "major"]


class DriftReport(BaseModel):
    """A pool of firms against the active model's training data (``scoring.growth.drift``)."""

    model_config = ConfigDict(extra="allow")

    n_pool: int
    n_reference: int
    thresholds: dict[str, float]
    rule: str
    level: Literal["stable", "moderate", "major"]
    drifted: bool = Field(description="True when any feature's PSI > 0.25.")
    max_psi: float
    features: list[DriftFeature]
    summary_en: str
    summary_zh: str


class DriftFlag(BaseModel):
    """The run's drift flag as each explanation repeats it."""

    level: Literal["stable", "moderate", "major"]
    drifted: bool
    max_psi: float
    summary_en: str
    summary_zh: str


class GrowthFactor(BaseModel):
    """One of the model's top reasons for a firm."""

    model_config = ConfigDict(extra="allow")

    feature: str
    name_zh: str | None = None
    name_en: str | None = None
    value: float | str | None = Field(default=None, description="The value the model saw.")
    contribution: float = Field(description="Signed log-odds contribution (positive raises the "
                                            "probability).")
    text_zh: str | None = None
    text_en: str | None = None


class GrowthExplanation(BaseModel):
    """A firm's growth criterion as data: probability, points under the cap, top factors, the
    model that gave them and the run's drift flag."""

    probability: float | None = Field(description="The model's probability; null without one "
                                                  "(the criterion's missing policy applies).")
    points: float | None = Field(description="min(probability × weight, max_points).")
    max_points: float | None = Field(description="The cap on the growth criterion's points.")
    weight: float | None = Field(description="Points at probability 1, before the cap.")
    factors: list[GrowthFactor]
    model: GrowthModelRef | None = None
    drift: DriftFlag | None = None
