"""Intake staging: a candidate list's validated rows, written in short transactions and
published in one, so a large import does not hold SQLite's write lock while it is written.

Revision ID: 0007
Revises: 0006

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "intake_staging",
        sa.Column("stage_key", sa.String(length=32), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=False),
        sa.Column("sector", sa.String(length=40), nullable=False),
        sa.Column("sub_segment", sa.String(length=200), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=True),
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
        sa.Column("round_date", sa.Date(), nullable=True),
        sa.Column("round_stage", sa.String(length=20), nullable=True),
        sa.Column("round_amount", sa.Double(), nullable=True),
        sa.Column("round_valuation", sa.Double(), nullable=True),
        sa.Column("firm_row", sa.Boolean(), nullable=False),
        sa.Column("funding_row", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("stage_key", "row_no", name=op.f("pk_intake_staging")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("intake_staging")
