"""Running a selection round: score runs, shortlists, ratings, conflicts, decisions, publication,
membership and programme KPIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.growth import DriftReport, GrowthExplanation, GrowthModelRef
from schemas.scalars import CalendarDate, LongText, ShortText
from schemas.uscc import USCC

__all__ = [
    "ChangeOut",
    "ChangesPage",
    "CohortKpis",
    "ConflictIn",
    "ConflictOut",
    "DecisionIn",
    "DecisionOut",
    "DecisionsIn",
    "KpiTarget",
    "KpisOut",
    "MemberOut",
    "MembersPage",
    "MembershipEndIn",
    "MembershipEndOut",
    "Outcome",
    "PublicationOut",
    "PublishIn",
    "RatingIn",
    "RatingsIn",
    "ReviewOut",
    "RoundStateIn",
    "ScoreRunIn",
    "ScoreRunOut",
    "ShortlistItem",
    "ShortlistPage",
]

Outcome = Literal["select", "waitlist", "reject"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoundStateIn(_In):
    """The state to move a round to: ``open`` → ``scoring`` → ``decided`` (publishing is its own
    endpoint); ``decided`` → ``scoring`` reopens decisions before publication."""

    state: Literal["scoring", "decided"]
    reason: LongText | None = None


class ScoreRunIn(_In):
    """Options of a score run (all optional)."""

    sensitivity_draws: int = Field(
        default=200,
        strict=True,
        ge=1,
        le=5000,
        description="Dirichlet weight draws for the stability share.",
    )
    sensitivity_seed: int = Field(default=0, strict=True, ge=0, le=2**31 - 1)
    calibrated_ratings: bool = Field(
        default=False,
        strict=True,
        description="Score with per-reviewer z-score calibrated ratings instead of raw ones.",
    )


class SchemeRef(BaseModel):
    """The stored scheme version a run used."""

    pk: int
    id: str
    version: int
    fingerprint: str


class ScoreRunOut(BaseModel):
    """A score run as kept: what it used and what it found."""

    id: int
    round_id: int
    cohort: str
    scheme: SchemeRef
    growth_model_id: str | None
    growth_model: GrowthModelRef | None = Field(
        default=None, description="The growth model the run used, with the link to its card."
    )
    growth_drift: DriftReport | None = Field(
        default=None,
        description="The pool against the growth model's training data: PSI and outside-range "
        "share per feature; drifted when any PSI > 0.25 (0.1-0.25 moderate).",
    )
    input_fingerprint: str = Field(
        description="sha256 over the canonical input frames (firms, filings, funding rounds, "
        "ratings, growth probabilities), the reference date, capacity and the "
        "scheme's fingerprint."
    )
    capacity: int
    firms_scored: int
    firms_eligible: int
    ratings_used: int
    calibrated_ratings: bool
    sensitivity_draws: int
    sensitivity_seed: int
    criteria: list[str]
    created_by: str
    created_at: datetime


class ShortlistItem(BaseModel):
    """One nominated firm in a run: rank, explanation, sensitivity, live reviewer aggregates."""

    nomination_id: int
    uscc: str
    name: str
    name_en: str | None
    sector: str
    position: int
    rank: int | None
    total: float | None
    eligible: bool
    passed: bool
    within_capacity: bool
    stability: float = Field(description="Share of weight draws keeping the firm within capacity.")
    ratings_complete: bool = Field(
        description="Whether every reviewer-rated criterion had its required ratings in the run; "
        "firms awaiting ratings rank after the complete ones (explanation.ratings says what "
        "is missing, e.g. 'awaiting ratings: 2 of 3')."
    )
    flags: list[str]
    explanation: dict[str, Any]
    growth: GrowthExplanation | None = Field(
        default=None,
        description="The growth criterion as data (also ``explanation.growth``): probability, "
        "points under the cap, top factors with sentences in Chinese and English, the model "
        "and the run's drift flag; null when the run used no growth model.",
    )
    reviews: dict[str, Any] = Field(
        description="Per rated criterion: ratings raw and calibrated, mean, spread, disagreement."
    )
    decision: Outcome | None
    compare: dict[str, Any] | None = Field(
        default=None,
        description="With ``compare=``: the other aggregation's method, the firm's rank under "
        "it and the rank difference (other minus the scheme's).",
    )


class ShortlistPage(BaseModel):
    """A page of the latest run's shortlist."""

    run: ScoreRunOut
    items: list[ShortlistItem]
    next_cursor: str | None = None


class RatingIn(_In):
    """One rating of one reviewer-rated criterion; the range is the scheme's."""

    criterion: ShortText
    score: float = Field(strict=True, allow_inf_nan=False)
    comment: LongText | None = None


class RatingsIn(_In):
    """The caller's ratings of one nomination (replacing their earlier ones on these criteria)."""

    ratings: list[RatingIn] = Field(min_length=1, max_length=50)


class ReviewOut(BaseModel):
    """A stored rating."""

    nomination_id: int
    uscc: str
    criterion: str
    reviewer_label: str
    score: float
    comment: str | None
    updated_at: datetime


class ConflictIn(_In):
    """A declared conflict of interest with the nomination's firm."""

    reason: LongText | None = None


class ConflictOut(BaseModel):
    """A stored conflict declaration."""

    round_id: int
    nomination_id: int
    uscc: str
    reviewer_label: str
    reason: str | None
    ratings_withdrawn: int
    replacement_assigned: bool = Field(
        default=False,
        description="Your assignment to the nomination passed to another eligible reviewer.",
    )
    created_at: datetime


class DecisionIn(_In):
    """The chair's decision on one nomination of the cohort."""

    nomination_id: int = Field(strict=True, ge=1, le=2**31 - 1)
    outcome: Outcome
    reason: LongText | None = Field(
        default=None,
        description="Required for an override: selecting a firm outside the capacity line, or "
        "rejecting or waitlisting one inside it.",
    )
    moves: bool = Field(
        default=False,
        strict=True,
        description="The firm moves here from its current membership (graduation, e.g. seed → "
        "hidden-champion): publication ends the old membership the day the new one starts. "
        "Without it, selecting a firm that is a current member elsewhere is refused.",
    )


class DecisionsIn(_In):
    """Decisions recorded together, all or nothing."""

    decisions: list[DecisionIn] = Field(min_length=1, max_length=10_000)


class DecisionOut(BaseModel):
    """A recorded decision."""

    nomination_id: int
    uscc: str
    cohort: str
    outcome: Outcome
    reason: str | None
    override: bool
    moves: bool
    run_id: int
    rank_at_decision: int | None
    decided_by: str
    updated_at: datetime


class PublishIn(_In):
    """Publication options; by default valid from today for the round's validity years."""

    valid_from: date | None = None
    validity_years: int | None = Field(default=None, strict=True, ge=1, le=10)


class PublicationOut(BaseModel):
    """What publishing froze."""

    round_id: int
    published_at: datetime
    valid_from: date
    valid_until: date
    members: dict[str, int]
    closed: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Earlier memberships of the selected firms closed by this publication: "
        "moved from (ended the day the new one starts) or already run out.",
    )


class MemberOut(BaseModel):
    """A published membership: who, which cohort, which round, valid when (no scores)."""

    uscc: str
    name: str
    name_en: str | None
    cohort: str
    round_id: int
    valid_from: date
    valid_until: date = Field(description="Exclusive: the membership ends the day before.")
    ended_on: date | None = Field(
        default=None, description="Set once the membership ended (equal to valid_until)."
    )
    ended_kind: Literal[
        "withdrawal", "disqualification", "graduation", "moved", "ran-out"
    ] | None = None
    ended_reason: str | None = None


class MembersPage(BaseModel):
    """A page of members."""

    items: list[MemberOut]
    next_cursor: str | None = None


class MembershipEndIn(BaseModel):
    """End a published membership on a date, why, and optionally fill the place from the round's
    waitlist for the rest of the validity period."""

    model_config = ConfigDict(extra="forbid")

    on: CalendarDate = Field(description="The first day the firm is no longer a member.")
    kind: Literal["withdrawal", "disqualification", "graduation"]
    reason: LongText
    replacement: USCC | None = Field(
        default=None,
        description="The USCC of a firm waitlisted for this cohort in the membership's round, "
        "to be a member from ``on`` until the ended membership's end (an explicit decision).",
    )


class MembershipEndOut(BaseModel):
    """The ended membership and, if one was named, the replacement's new membership."""

    ended: MemberOut
    replacement: MemberOut | None


class ChangeOut(MemberOut):
    """One entry of the changes feed: a membership added (published or filling a place) or
    ended (withdrawal, disqualification, graduation, moved or ran out)."""

    seq: int
    membership_id: int
    change: Literal["added", "ended"]
    effective_on: date = Field(description="added: valid_from; ended: the first day outside.")
    replaces: int | None = Field(
        default=None,
        description="The membership_id of the firm's earlier membership that this one replaced: "
        "the firm moved (graduation), and that membership ended the day this one began.",
    )
    published_at: datetime
    changed_at: datetime


class ChangesPage(BaseModel):
    """Changes after ``cursor``; follow ``next_cursor`` until it is null (caught up), then poll
    again with ``resume_cursor`` after ``poll_after_seconds``."""

    items: list[ChangeOut]
    next_cursor: str | None
    resume_cursor: str = Field(description="Where to resume once caught up.")
    poll_after_seconds: int


class KpiTarget(BaseModel):
    """One programme indicator against its three-year target."""

    indicator: str
    condition: str
    condition_zh: str = Field(description="The condition in Chinese (amounts in 亿元, 万元).")
    target: str
    target_zh: str = Field(description="The target in Chinese.")
    target_min: int
    target_max: int | None
    count: int = Field(description="Members that newly reached the level during the validity "
                       "period (not those already there at publication).")
    met: bool
    firms: list[str] = Field(description="The members that newly reached the level.")
    at_publication: int = Field(description="Members already at the level at publication "
                                "(their recorded baseline); not counted towards the target.")
    by_year: dict[str, int] = Field(description="Members first reaching the level, per year of "
                                    "the validity period begun by the as-of date.")


class CohortKpis(BaseModel):
    """A published cohort's progress."""

    cohort: str
    members: int
    targets: list[KpiTarget]


class KpisOut(BaseModel):
    """Progress of a published round's cohorts: members newly reaching each level since their
    recorded baseline, from their filings and funding rounds."""

    round_id: int
    as_of: date
    usd_cny: float
    cohorts: list[CohortKpis]
