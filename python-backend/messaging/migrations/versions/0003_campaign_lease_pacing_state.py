"""The runner's campaign lease and stored pacing state (issue 11).

Revision ID: 0003
Revises: 0002

lease_owner/lease_expires: who runs a 'running' campaign and until when (messaging/lease.py); the team server
mode claims campaigns through them. pace_last_send/pace_count: the time of the last claim and the batch
counter, so gaps and batch pauses hold across pause/resume and restarts (messaging/pacing.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    """Add the four columns to campaigns (all nullable or defaulted, so existing rows stay valid).

    Plain ADD COLUMN with a constant default, not batch mode: on SQLite a batch would rebuild the table from
    its reflection, which drops the unnamed CHECK and ON DELETE rules of files from before Alembic.
    """
    op.add_column("campaigns", sa.Column("lease_owner", sa.Text))
    op.add_column("campaigns", sa.Column("lease_expires", sa.Float))
    op.add_column("campaigns", sa.Column("pace_last_send", sa.Float))
    op.add_column("campaigns", sa.Column("pace_count", sa.Integer, nullable=False, server_default="0"))


def downgrade():
    """Drop them again."""
    with op.batch_alter_table("campaigns") as batch:
        for name in ("pace_count", "pace_last_send", "lease_expires", "lease_owner"):
            batch.drop_column(name)
