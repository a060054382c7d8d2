"""The stored data: SQLAlchemy 2.0 typed tables (DESIGN.md, "Data the service keeps")."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from scoring.vocabulary import FILING_FIELDS

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Filing",
    "Firm",
    "FundingRound",
    "GrowthModel",
    "GrowthTrainingJob",
    "IdempotencyRecord",
    "Nomination",
    "NominationBatch",
    "PageSession",
    "Reviewer",
    "SelectionRound",
    "StoredScheme",
    "intake_staging",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time in UTC (the one clock the service reads)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp written in UTC and always read back aware, in UTC.

    PostgreSQL keeps the offset (``timestamptz``); SQLite stores the wall-clock text alone, so
    without this a value written in UTC came back naive and API output lost its ``+00:00``.
    Aware values are converted to UTC before they are written; a naive value is taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints predictably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Firm(Base):
    """An applicant firm, identified by its Unified Social Credit Code."""

    __tablename__ = "firms"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    founded_on: Mapped[dt.date] = mapped_column(Date)
    sector: Mapped[str] = mapped_column(String(40), index=True)
    sub_segment: Mapped[str | None] = mapped_column(String(200))
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str] = mapped_column(String(6), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Filing(Base):
    """A firm's figures for one fiscal year (amounts in yuan)."""

    __tablename__ = "filings"

    uscc: Mapped[str] = mapped_column(
        String(18), ForeignKey("firms.uscc", ondelete="CASCADE"), primary_key=True
    )
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("nomination_batches.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # One column per scoring.vocabulary.FILING_FIELDS entry (a test keeps the two in step).
    revenue: Mapped[float | None] = mapped_column(Double)
    main_business_revenue: Mapped[float | None] = mapped_column(Double)
    net_profit: Mapped[float | None] = mapped_column(Double)
    total_costs: Mapped[float | None] = mapped_column(Double)
    total_assets: Mapped[float | None] = mapped_column(Double)
    total_liabilities: Mapped[float | None] = mapped_column(Double)
    rd_expense: Mapped[float | None] = mapped_column(Double)
    employees: Mapped[int | None] = mapped_column(BigInteger)
    technical_staff: Mapped[int | None] = mapped_column(BigInteger)
    rd_staff: Mapped[int | None] = mapped_column(BigInteger)
    export_revenue: Mapped[float | None] = mapped_column(Double)
    ip_class1: Mapped[int | None] = mapped_column(BigInteger)
    ip_class1_self_developed: Mapped[int | None] = mapped_column(BigInteger)
    ip_class1_high_value: Mapped[int | None] = mapped_column(BigInteger)
    ip_class2: Mapped[int | None] = mapped_column(BigInteger)
    pct_applications: Mapped[int | None] = mapped_column(BigInteger)
    standards_international: Mapped[int | None] = mapped_column(BigInteger)
    standards_national: Mapped[int | None] = mapped_column(BigInteger)
    standards_industry: Mapped[int | None] = mapped_column(BigInteger)
    tech_transfers: Mapped[int | None] = mapped_column(BigInteger)
    segment_market_share: Mapped[float | None] = mapped_column(Double)
    segment_rank: Mapped[int | None] = mapped_column(BigInteger)
    alliances_led: Mapped[int | None] = mapped_column(BigInteger)
    innovation_centres_led: Mapped[int | None] = mapped_column(BigInteger)


intake_staging = Table(
    "intake_staging",
    Base.metadata,
    Column("stage_key", String(32), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("staged_at", UTCDateTime(), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("region", String(6), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_en", String(200)),
    Column("founded_on", Date, nullable=False),
    Column("sector", String(40), nullable=False),
    Column("sub_segment", String(200)),
    Column("listed", Boolean, nullable=False),
    Column("cohort", String(20), nullable=False),
    Column("fiscal_year", Integer),
    # The figures as ``filings`` types them, one column per scoring.vocabulary.FILING_FIELDS entry.
    *(Column(f.name, Filing.__table__.c[f.name].type) for f in FILING_FIELDS),
    Column("round_date", Date),
    Column("round_stage", String(20)),
    Column("round_amount", Double),
    Column("round_valuation", Double),
    # The one row per firm, and per funding round, that the publish reads (the last of each).
    Column("firm_row", Boolean, nullable=False),
    Column("funding_row", Boolean, nullable=False),
    PrimaryKeyConstraint("stage_key", "row_no"),
)
"""Candidate-list rows on their way in: invisible to every read until the import publishes them,
so a large import is all-or-nothing without holding the write lock while it is written."""


class FundingRound(Base):
    """A funding event of a firm."""

    __tablename__ = "funding_rounds"
    __table_args__ = (
        UniqueConstraint("uscc", "announced_on", "stage", name="uq_funding_rounds_firm_date_stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(
        String(18), ForeignKey("firms.uscc", ondelete="CASCADE"), index=True
    )
    announced_on: Mapped[dt.date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float | None] = mapped_column(Double)
    post_money_valuation: Mapped[float | None] = mapped_column(Double)
    investors: Mapped[str | None] = mapped_column(Text)
    source_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("nomination_batches.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SelectionRound(Base):
    """A selection round: open → scoring → decided → notice → published."""

    __tablename__ = "selection_rounds"
    __table_args__ = (
        CheckConstraint(
            "state IN ('open', 'scoring', 'decided', 'notice', 'published')", name="state_known"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    reference_date: Mapped[dt.date] = mapped_column(Date)
    capacities: Mapped[dict[str, Any]] = mapped_column(JSON)
    validity_years: Mapped[int] = mapped_column(Integer, default=3)
    # The round's own notice period in calendar days (None: the COHORTS_NOTICE_DAYS setting).
    notice_days: Mapped[int | None] = mapped_column(Integer)
    # The public notice (公示): first and last day, inclusive; set when it opens.
    notice_starts_on: Mapped[dt.date | None] = mapped_column(Date)
    notice_ends_on: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NominationBatch(Base):
    """One submitted candidate list, kept whole (its bytes and its per-row report)."""

    __tablename__ = "nomination_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), index=True
    )
    submitted_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    submitted_by: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str | None] = mapped_column(String(255))
    mode: Mapped[str] = mapped_column(String(10))
    content_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_stored: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Nomination(Base):
    """A firm put forward for one cohort in one round (at most one cohort per firm and round)."""

    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("round_id", "uscc", name="uq_nominations_round_firm"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), index=True
    )
    uscc: Mapped[str] = mapped_column(ForeignKey("firms.uscc", ondelete="CASCADE"), index=True)
    cohort: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("nomination_batches.id", ondelete="CASCADE"), index=True
    )
    nominated_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="nominated")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


Index("ix_nominations_round_cohort", Nomination.round_id, Nomination.cohort, Nomination.id)


class Reviewer(Base):
    """A reviewer's profile: ratings, conflicts and assignments refer to it, not to a key."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    sectors: Mapped[list[Any]] = mapped_column(JSON)  # codes of scoring.vocabulary.SECTORS
    affiliations: Mapped[list[Any]] = mapped_column(JSON)  # USCCs or organisation names
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKey(Base):
    """An API key: only its SHA-256 hash is stored, with a public prefix for look-up."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'officer', 'reviewer', 'chair', 'tracker')", name="role_known"
        ),
        # Every reviewer key belongs to exactly one reviewer profile; no other key has one.
        CheckConstraint(
            "(role = 'reviewer') = (reviewer_id IS NOT NULL)", name="reviewer_has_profile"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviewers.id", ondelete="RESTRICT"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PageSession(Base):
    """A page sign-in kept server-side: the cookie holds a random token, this row its SHA-256."""

    __tablename__ = "page_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class AuditEvent(Base):
    """Who did what, when, to what, and why."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_key_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


Index("ix_audit_events_target", AuditEvent.target_type, AuditEvent.target_id)


class IdempotencyRecord(Base):
    """The first response to a request sent with an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_records_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StoredScheme(Base):
    """One immutable version of a scoring scheme; a change is a new version, never an update."""

    __tablename__ = "schemes"
    __table_args__ = (UniqueConstraint("scheme_id", "version", name="uq_schemes_scheme_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    cohort: Mapped[str | None] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GrowthModel(Base):
    """A trained growth model: its artefact, its model card, and whether schemes use it."""

    __tablename__ = "growth_models"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the artefact
    label: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(40))
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    artefact: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class GrowthTrainingJob(Base):
    """A growth model trained in the background: its request, state, progress and outcome.

    ``runner`` names the process running it (host:pid:token) and ``heartbeat_at`` is written
    at each progress report, so a job whose process is gone reads as failed, not running.
    """

    __tablename__ = "growth_training_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), index=True)  # queued, running, succeeded, failed
    stage: Mapped[str] = mapped_column(String(200))
    percent: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[list[Any]] = mapped_column(JSON)
    model_id: Mapped[str | None] = mapped_column(
        ForeignKey("growth_models.id", ondelete="SET NULL")
    )
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    runner: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# -- selection: score runs, reviews, decisions, published membership (issue 4) ---------------


class ScoreRun(Base):
    """One scheme version (and growth model) applied to a round's nominations for one cohort."""

    __tablename__ = "score_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), index=True
    )
    cohort: Mapped[str] = mapped_column(String(20))
    scheme_pk: Mapped[int] = mapped_column(ForeignKey("schemes.id", ondelete="RESTRICT"))
    scheme_fingerprint: Mapped[str] = mapped_column(String(64))
    growth_model_id: Mapped[str | None] = mapped_column(
        ForeignKey("growth_models.id", ondelete="RESTRICT")
    )
    input_fingerprint: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer)
    firms_scored: Mapped[int] = mapped_column(Integer)
    firms_eligible: Mapped[int] = mapped_column(Integer)
    ratings_used: Mapped[int] = mapped_column(Integer)
    calibrated_ratings: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitivity_draws: Mapped[int] = mapped_column(Integer)
    sensitivity_seed: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[list[Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The pool against the growth model's training data (scoring.growth.drift), when one was used.
    growth_drift: Mapped[dict[str, Any] | None] = mapped_column(JSON)


Index("ix_score_runs_round_cohort", ScoreRun.round_id, ScoreRun.cohort, ScoreRun.id)


class ScoreResultRow(Base):
    """One firm's result in a score run, with its full explanation, kept as computed."""

    __tablename__ = "score_results"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("score_runs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # ranked first, then uscc
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18))
    rank: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[float | None] = mapped_column(Double)
    eligible: Mapped[bool] = mapped_column(Boolean)
    passed: Mapped[bool] = mapped_column(Boolean)
    within_capacity: Mapped[bool] = mapped_column(Boolean)
    stability: Mapped[float] = mapped_column(Double)
    flags: Mapped[list[Any]] = mapped_column(JSON)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)


Index("ix_score_results_run_nomination", ScoreResultRow.run_id, ScoreResultRow.nomination_id)


class Review(Base):
    """A reviewer's rating of a nomination on one reviewer-rated criterion."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("nomination_id", "criterion", "reviewer_id", name="uq_reviews_rating"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), index=True
    )
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18))
    criterion: Mapped[str] = mapped_column(String(80))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id", ondelete="RESTRICT"))
    reviewer_label: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Double)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewConflict(Base):
    """A reviewer's declared conflict of interest with a firm in a round."""

    __tablename__ = "review_conflicts"
    __table_args__ = (
        UniqueConstraint("round_id", "uscc", "reviewer_id", name="uq_review_conflicts_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("selection_rounds.id", ondelete="CASCADE"))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id", ondelete="RESTRICT"))
    reviewer_label: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Decision(Base):
    """The chair's decision on a nomination: select, waitlist or reject (one per firm and round)."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("round_id", "uscc", name="uq_decisions_round_firm"),
        CheckConstraint("outcome IN ('select', 'waitlist', 'reject')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("selection_rounds.id", ondelete="CASCADE"))
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("nominations.id", ondelete="CASCADE"), unique=True
    )
    uscc: Mapped[str] = mapped_column(String(18))
    cohort: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    # The firm leaves its current membership elsewhere when this round is published (graduation).
    moves: Mapped[bool] = mapped_column(Boolean, default=False)
    run_id: Mapped[int] = mapped_column(ForeignKey("score_runs.id", ondelete="RESTRICT"))
    rank_at_decision: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


Index("ix_decisions_round_cohort_outcome", Decision.round_id, Decision.cohort, Decision.outcome)


class Membership(Base):
    """A published, immutable membership: a firm in a cohort for a validity period."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("round_id", "uscc", name="uq_memberships_round_firm"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("selection_rounds.id", ondelete="RESTRICT"))
    cohort: Mapped[str] = mapped_column(String(20))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)  # exclusive
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a later membership of the firm replaced this one (its validity then ends on that
    # day) or when it had run out before the next one began; NULL while it is the firm's latest.
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # Why it closed: moved, ran-out (publication), or withdrawal, disqualification, graduation
    # (ended by an admin); NULL while open, and for rows closed before 0006 (read as "moved").
    closed_kind: Mapped[str | None] = mapped_column(String(20))
    # The firm's earlier membership this one replaced when the firm moved (graduation). No
    # foreign key: memberships are never deleted, and a self-reference would only get in the
    # way of emptying the table (tests, restores).
    replaces_id: Mapped[int | None] = mapped_column(Integer)
    # The KPI levels the firm already held when the membership began (recorded at publication).
    baseline: Mapped[dict[str, Any] | None] = mapped_column(JSON)


Index("ix_memberships_cohort_validity", Membership.cohort, Membership.valid_until, Membership.id)
# One open membership per firm, across rounds: two publications racing for one firm cannot both
# commit (a partial unique index, on SQLite and PostgreSQL alike).
Index(
    "uq_memberships_open_firm",
    Membership.uscc,
    unique=True,
    sqlite_where=Membership.closed_on.is_(None),
    postgresql_where=Membership.closed_on.is_(None),
)


class Assignment(Base):
    """A reviewer assigned to a nomination, by the solver or by hand, with the reason."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("nomination_id", "reviewer_id", name="uq_assignments_pair"),
        CheckConstraint("source IN ('solver', 'manual')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), index=True
    )
    cohort: Mapped[str] = mapped_column(String(20))
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18))
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("reviewers.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = mapped_column(String(10))
    sector_match: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MembershipChange(Base):
    """One change to published membership (added or ended); its ``seq`` orders the changes feed."""

    __tablename__ = "membership_changes"
    __table_args__ = (CheckConstraint("change IN ('added', 'ended')", name="change_known"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="RESTRICT"), index=True
    )
    change: Mapped[str] = mapped_column(String(10))
    # For ``ended``: withdrawal, disqualification, graduation, moved or ran-out.
    kind: Mapped[str | None] = mapped_column(String(20))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Objection(Base):
    """An objection (异议) filed by anyone against a firm on a round's public notice."""

    __tablename__ = "objections"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'dismissed', 'upheld')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), index=True
    )
    uscc: Mapped[str] = mapped_column(String(18))
    cohort: Mapped[str] = mapped_column(String(20))
    grounds: Mapped[str] = mapped_column(Text)  # verbatim, as filed
    contact: Mapped[str] = mapped_column(String(200))
    client_address: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The waitlisted firm promoted in the upheld firm's place, if the office chose to.
    promoted_uscc: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ += [
    "Assignment",
    "Decision",
    "Membership",
    "MembershipChange",
    "Objection",
    "Review",
    "ReviewConflict",
    "ScoreResultRow",
    "ScoreRun",
]


# -- webhooks: endpoints, the transactional outbox, deliveries and their log (issue 11) ------


class WebhookEndpoint(Base):
    """A receiver of Standard Webhooks: its URL, the event types it wants, its signing secret.

    The secret is stored as issued (``whsec_…``), not hashed: HMAC signing needs the key itself,
    so a hash could never sign. It is shown once, at creation, and never returned again.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[Any]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookEvent(Base):
    """One announced change, written in the transaction that made it (the outbox)."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)  # the stable webhook-id
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event owed to one endpoint: pending until a 2xx, failed once its retry window ends."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    retry_from: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the retry window starts
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


Index("ix_webhook_deliveries_due", WebhookDelivery.state, WebhookDelivery.next_attempt_at)
Index("ix_webhook_deliveries_endpoint", WebhookDelivery.endpoint_id, WebhookDelivery.id)


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: the endpoint's delivery log."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)


__all__ += ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "WebhookEvent"]
