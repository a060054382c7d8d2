"""The public notice period (公示) and objections; membership changes as a feed of their own.

A round gains the ``notice`` state and its notice dates; objections are stored as filed;
memberships record why they closed; every membership change (added, ended) gets a sequence
number in ``membership_changes``. Existing memberships are carried over: one ``added`` change
each, in publication order, and one ``ended`` change for each already closed.

Revision ID: 0006
Revises: 0005

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES_BEFORE = "state IN ('open', 'scoring', 'decided', 'published')"
_STATES_AFTER = "state IN ('open', 'scoring', 'decided', 'notice', 'published')"


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("selection_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_selection_rounds_state_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_selection_rounds_state_known"), _STATES_AFTER)
        batch_op.add_column(sa.Column("notice_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notice_starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notice_ends_on", sa.Date(), nullable=True))
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_kind", sa.String(length=20), nullable=True))
    op.create_table(
        "membership_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "change IN ('added', 'ended')", name=op.f("ck_membership_changes_change_known")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_membership_changes_membership_id_memberships"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_membership_changes")),
    )
    with op.batch_alter_table("membership_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_changes_membership_id"), ["membership_id"], unique=False
        )
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promoted_uscc", sa.String(length=18), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'dismissed', 'upheld')", name=op.f("ck_objections_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["selection_rounds.id"],
            name=op.f("fk_objections_round_id_selection_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objections_round_id"), ["round_id"], unique=False)
    _carry_over_memberships()


def _carry_over_memberships() -> None:
    """One ``added`` change per membership in publication order, then one ``ended`` per closed
    one (``moved`` when a later membership replaced it, else ``ran-out``)."""
    op.execute(
        "UPDATE memberships SET closed_kind = CASE WHEN id IN "
        "(SELECT replaces_id FROM memberships WHERE replaces_id IS NOT NULL) "
        "THEN 'moved' ELSE 'ran-out' END WHERE closed_on IS NOT NULL"
    )
    op.execute(
        "INSERT INTO membership_changes (membership_id, change, kind, effective_on, reason, "
        "changed_at) SELECT id, 'added', NULL, valid_from, NULL, published_at FROM memberships "
        "ORDER BY published_at, id"
    )
    op.execute(
        "INSERT INTO membership_changes (membership_id, change, kind, effective_on, reason, "
        "changed_at) SELECT id, 'ended', closed_kind, closed_on, closed_reason, published_at "
        "FROM memberships WHERE closed_on IS NOT NULL ORDER BY closed_on, id"
    )


def downgrade() -> None:
    """Downgrade schema; rounds in notice go back to ``decided``."""
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objections_round_id"))
    op.drop_table("objections")
    with op.batch_alter_table("membership_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_changes_membership_id"))
    op.drop_table("membership_changes")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("closed_kind")
    op.execute("UPDATE selection_rounds SET state = 'decided' WHERE state = 'notice'")
    with op.batch_alter_table("selection_rounds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_selection_rounds_state_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_selection_rounds_state_known"), _STATES_BEFORE)
        batch_op.drop_column("notice_ends_on")
        batch_op.drop_column("notice_starts_on")
        batch_op.drop_column("notice_days")
