"""Reviewer profiles, assignments, one open membership per firm, graduating decisions.

Existing data moves over: every reviewer key gets a profile named after its label, and the
ratings and conflicts it gave now name that profile; a firm with several open memberships keeps
the newest open, the older ones closed the day the next one starts.

Revision ID: 0005
Revises: 0004

"""

import itertools
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RATED = ("reviews", "review_conflicts")


def _profiles_for_existing_reviewers() -> None:
    """One profile per reviewer key (named after its label), and per key id rated without one."""
    bind = op.get_bind()
    keys = bind.execute(
        sa.text("SELECT id, label, created_at FROM api_keys WHERE role = 'reviewer' ORDER BY id")
    ).all()
    known = {key_id for key_id, *_ in keys}
    orphans: dict[int, str] = {}
    for table in _RATED:
        for key_id, label in bind.execute(
            sa.text(f"SELECT DISTINCT reviewer_id, reviewer_label FROM {table}")  # noqa: S608
        ):
            if key_id not in known:
                orphans.setdefault(int(key_id), str(label))
    reviewers = sa.table(
        "reviewers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("sectors", sa.JSON),
        sa.column("affiliations", sa.JSON),
        sa.column("created_by", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    mapping: dict[int, int] = {}
    now = sa.func.current_timestamp()
    for key_id, label in [(k, label) for k, label, _at in keys] + sorted(orphans.items()):
        profile_id = bind.execute(
            sa.insert(reviewers)
            .values(
                name=label, sectors=[], affiliations=[], created_by="migration 0005",
                created_at=now,
            )
            .returning(reviewers.c.id)
        ).scalar_one()
        mapping[int(key_id)] = int(profile_id)
    for key_id, profile_id in mapping.items():
        params = {"key": key_id, "profile": profile_id}
        if key_id in known:
            bind.execute(sa.text("UPDATE api_keys SET reviewer_id = :profile WHERE id = :key"),
                         params)
    # Key ids and profile ids overlap, so move through negative values to keep pairs unique.
    for table in _RATED:
        for key_id, profile_id in mapping.items():
            bind.execute(
                sa.text(f"UPDATE {table} SET reviewer_id = :neg WHERE reviewer_id = :key"),  # noqa: S608
                {"neg": -profile_id, "key": key_id},
            )
        bind.execute(sa.text(f"UPDATE {table} SET reviewer_id = -reviewer_id WHERE reviewer_id < 0"))  # noqa: S608


def _close_overlapping_memberships() -> None:
    """Of a firm's memberships, all but the newest are closed the day the next one starts."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, uscc, valid_from, valid_until FROM memberships ORDER BY uscc, id")
    ).all()
    for (mid, uscc, _start, until), following in itertools.pairwise(rows):
        if following.uscc != uscc:
            continue
        ends = min(until, following.valid_from)
        bind.execute(
            sa.text(
                "UPDATE memberships SET closed_on = :ends, valid_until = :until, "
                "closed_reason = :why WHERE id = :id"
            ),
            {
                "ends": ends,
                "until": max(ends, _start),
                "why": f"superseded by membership {following.id} (migration 0005)",
                "id": mid,
            },
        )


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("affiliations", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewers")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewer_id", sa.Integer(), nullable=True))
    for table in _RATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("reviewer_key_id", new_column_name="reviewer_id",
                                  existing_type=sa.Integer(), existing_nullable=False)
    _profiles_for_existing_reviewers()
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_reviewer_id"), ["reviewer_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_keys_reviewer_id_reviewers"), "reviewers", ["reviewer_id"], ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_api_keys_reviewer_has_profile"),
            "(role = 'reviewer') = (reviewer_id IS NOT NULL)",
        )
    for table in _RATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_reviewer_id_reviewers"), "reviewers", ["reviewer_id"],
                ["id"], ondelete="RESTRICT",
            )

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("moves", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("baseline", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
    _close_overlapping_memberships()
    op.create_index(
        "uq_memberships_open_firm",
        "memberships",
        ["uscc"],
        unique=True,
        sqlite_where=sa.text("closed_on IS NULL"),
        postgresql_where=sa.text("closed_on IS NULL"),
    )

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.String(length=20), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("sector_match", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('solver', 'manual')", name=op.f("ck_assignments_source_known")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"], ["nominations.id"],
            name=op.f("fk_assignments_nomination_id_nominations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["reviewers.id"],
            name=op.f("fk_assignments_reviewer_id_reviewers"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["selection_rounds.id"],
            name=op.f("fk_assignments_round_id_selection_rounds"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("nomination_id", "reviewer_id", name="uq_assignments_pair"),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_reviewer_id"), ["reviewer_id"])
        batch_op.create_index(batch_op.f("ix_assignments_round_id"), ["round_id"])


def downgrade() -> None:
    """Downgrade schema: ratings and conflicts name a key again (each profile's first key)."""
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_round_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_reviewer_id"))
    op.drop_table("assignments")
    op.drop_index("uq_memberships_open_firm", table_name="memberships")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("replaces_id")
        batch_op.drop_column("baseline")
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("closed_on")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("moves")

    bind = op.get_bind()
    first_key: dict[int, int] = dict(
        bind.execute(
            sa.text("SELECT reviewer_id, MIN(id) FROM api_keys WHERE reviewer_id IS NOT NULL "
                    "GROUP BY reviewer_id")
        ).all()
    )
    for table in _RATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_reviewer_id_reviewers"),
                                     type_="foreignkey")
        for profile_id, key_id in first_key.items():
            bind.execute(
                sa.text(f"UPDATE {table} SET reviewer_id = :neg WHERE reviewer_id = :profile"),  # noqa: S608
                {"neg": -int(key_id), "profile": profile_id},
            )
        bind.execute(sa.text(f"UPDATE {table} SET reviewer_id = -reviewer_id WHERE reviewer_id < 0"))  # noqa: S608
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("reviewer_id", new_column_name="reviewer_key_id",
                                  existing_type=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_api_keys_reviewer_has_profile"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_api_keys_reviewer_id_reviewers"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_reviewer_id"))
        batch_op.drop_column("reviewer_id")
    op.drop_table("reviewers")
