"""Firm registry, intake batches and nominations, selection rounds, API keys, audit trail.

Revision ID: 0001
Revises: (none, the first revision)

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'officer', 'reviewer', 'chair', 'tracker')",
            name=op.f("ck_api_keys_role_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_key_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=80), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "firms",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("sub_segment", sa.String(length=200), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_firms")),
    )
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_firms_region"), ["region"], unique=False)
        batch_op.create_index(batch_op.f("ix_firms_sector"), ["sector"], unique=False)

    op.create_table(
        "selection_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("capacities", sa.JSON(), nullable=False),
        sa.Column("validity_years", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('open', 'scoring', 'decided', 'published')",
            name=op.f("ck_selection_rounds_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_rounds")),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_idempotency_records_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("api_key_id", "key", name="uq_idempotency_records_key"),
    )
    op.create_table(
        "nomination_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by_key_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_stored", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["selection_rounds.id"],
            name=op.f("fk_nomination_batches_round_id_selection_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_key_id"],
            ["api_keys.id"],
            name=op.f("fk_nomination_batches_submitted_by_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_batches")),
    )
    with op.batch_alter_table("nomination_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_batches_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "filings",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("source_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Double(), nullable=True),
        sa.Column("main_business_revenue", sa.Double(), nullable=True),
        sa.Column("net_profit", sa.Double(), nullable=True),
        sa.Column("total_costs", sa.Double(), nullable=True),
        sa.Column("total_assets", sa.Double(), nullable=True),
        sa.Column("total_liabilities", sa.Double(), nullable=True),
        sa.Column("rd_expense", sa.Double(), nullable=True),
        sa.Column("employees", sa.BigInteger(), nullable=True),
        sa.Column("technical_staff", sa.BigInteger(), nullable=True),
        sa.Column("rd_staff", sa.BigInteger(), nullable=True),
        sa.Column("export_revenue", sa.Double(), nullable=True),
        sa.Column("ip_class1", sa.BigInteger(), nullable=True),
        sa.Column("ip_class1_self_developed", sa.BigInteger(), nullable=True),
        sa.Column("ip_class1_high_value", sa.BigInteger(), nullable=True),
        sa.Column("ip_class2", sa.BigInteger(), nullable=True),
        sa.Column("pct_applications", sa.BigInteger(), nullable=True),
        sa.Column("standards_international", sa.BigInteger(), nullable=True),
        sa.Column("standards_national", sa.BigInteger(), nullable=True),
        sa.Column("standards_industry", sa.BigInteger(), nullable=True),
        sa.Column("tech_transfers", sa.BigInteger(), nullable=True),
        sa.Column("segment_market_share", sa.Double(), nullable=True),
        sa.Column("segment_rank", sa.BigInteger(), nullable=True),
        sa.Column("alliances_led", sa.BigInteger(), nullable=True),
        sa.Column("innovation_centres_led", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_batch_id"],
            ["nomination_batches.id"],
            name=op.f("fk_filings_source_batch_id_nomination_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["uscc"], ["firms.uscc"], name=op.f("fk_filings_uscc_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("uscc", "fiscal_year", name=op.f("pk_filings")),
    )
    op.create_table(
        "funding_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("announced_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Double(), nullable=True),
        sa.Column("post_money_valuation", sa.Double(), nullable=True),
        sa.Column("investors", sa.Text(), nullable=True),
        sa.Column("source_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_batch_id"],
            ["nomination_batches.id"],
            name=op.f("fk_funding_rounds_source_batch_id_nomination_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["uscc"], ["firms.uscc"], name=op.f("fk_funding_rounds_uscc_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_rounds")),
        sa.UniqueConstraint(
            "uscc", "announced_on", "stage", name="uq_funding_rounds_firm_date_stage"
        ),
    )
    with op.batch_alter_table("funding_rounds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_rounds_uscc"), ["uscc"], unique=False)

    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("nominated_by", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["nomination_batches.id"],
            name=op.f("fk_nominations_batch_id_nomination_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["selection_rounds.id"],
            name=op.f("fk_nominations_round_id_selection_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uscc"], ["firms.uscc"], name=op.f("fk_nominations_uscc_firms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint("round_id", "uscc", name="uq_nominations_round_firm"),
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nominations_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_nominations_round_cohort", ["round_id", "cohort", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nominations_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nominations_uscc"), ["uscc"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominations_uscc"))
        batch_op.drop_index(batch_op.f("ix_nominations_round_id"))
        batch_op.drop_index("ix_nominations_round_cohort")
        batch_op.drop_index(batch_op.f("ix_nominations_batch_id"))

    op.drop_table("nominations")
    with op.batch_alter_table("funding_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_rounds_uscc"))

    op.drop_table("funding_rounds")
    op.drop_table("filings")
    with op.batch_alter_table("nomination_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_batches_round_id"))

    op.drop_table("nomination_batches")
    op.drop_table("idempotency_records")
    op.drop_table("selection_rounds")
    with op.batch_alter_table("firms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_firms_sector"))
        batch_op.drop_index(batch_op.f("ix_firms_region"))

    op.drop_table("firms")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    op.drop_table("api_keys")
