"""Score runs keep the growth model's drift watch: the pool against the training data.

Revision ID: 0010
Revises: 0007

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``score_runs.growth_drift`` (JSON, null when no growth model was used)."""
    with op.batch_alter_table("score_runs") as batch:
        batch.add_column(sa.Column("growth_drift", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop ``score_runs.growth_drift``."""
    with op.batch_alter_table("score_runs") as batch:
        batch.drop_column("growth_drift")
