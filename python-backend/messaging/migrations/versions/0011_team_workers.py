"""Campaign workers of the team server mode (issue 19): who works, what each holds, and each sender's budget.

Revision ID: 0011
Revises: 0010

workers: one row per live `app.py worker` process, with a lease it renews every few seconds; a row whose lease
has expired belongs to a dead or cut-off worker (messaging/team/registry.py).
campaign_recipients.worker_id: the worker that claimed a 'sending' row, so its rows turn 'unknown' when its
lease expires (never back to 'pending').
channel_budgets: each channel's one token bucket shared by every worker (GCRA: the theoretical arrival time of
its next message), updated in the claim transaction (messaging/team/budget.py).
session_leases: which worker holds a channel's linked WhatsApp Web session, and until when.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Create the three tables and the claimed-by column (nullable: rows of desktop runs have none)."""
    op.create_table(
        "workers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("lease_expires", sa.Float, nullable=False),
    )
    op.add_column("campaign_recipients", sa.Column("worker_id", sa.Text))
    op.create_index("ix_recipients_worker_sending", "campaign_recipients", ["worker_id"],
                    sqlite_where=sa.text("status='sending'"), postgresql_where=sa.text("status='sending'"))
    op.create_table(
        "channel_budgets",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tat", sa.Float, nullable=False),
    )
    op.create_table(
        "session_leases",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("worker_id", sa.Text, nullable=False),
        sa.Column("lease_expires", sa.Float, nullable=False),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
