"""Stored, versioned scoring schemes and the growth-model registry.

Revision ID: 0002
Revises: 0001

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "growth_models",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_growth_models")),
    )
    with op.batch_alter_table("growth_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_growth_models_active"), ["active"], unique=False)

    op.create_table(
        "schemes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schemes")),
        sa.UniqueConstraint("scheme_id", "version", name="uq_schemes_scheme_version"),
    )
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schemes_cohort"), ["cohort"], unique=False)
        batch_op.create_index(batch_op.f("ix_schemes_scheme_id"), ["scheme_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schemes_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_schemes_cohort"))

    op.drop_table("schemes")
    with op.batch_alter_table("growth_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_growth_models_active"))

    op.drop_table("growth_models")
