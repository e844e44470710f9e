"""Archived channels, test sends and kept drafts (issue 15, nothing goes out by mistake).

Revision ID: 0004
Revises: 0003

channels.archived_at: a channel that campaigns used is archived instead of deleted, so their reports keep its
name. test_sends: each "send a test" message, apart from the campaign's recipients (which are unique per
address) and never counted in the campaign. drafts: the compose form as JSON, kept across restarts.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TEST_SEND_STATUSES = ("sent", "failed", "unknown")


def one_of(column, values):
    """The SQL condition COLUMN IN (VALUES...)."""
    return "%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values))


def upgrade():
    """Plain ADD COLUMN (no batch rebuild, which would drop the CHECKs of pre-Alembic files) and two new tables."""
    op.add_column("channels", sa.Column("archived_at", sa.Float))
    op.create_table(
        "test_sends",
        sa.Column("id", ID, primary_key=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("recipient_id", ID),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("provider_id", sa.Text),
        sa.Column("error_code", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.CheckConstraint(one_of("status", TEST_SEND_STATUSES), name="test_sends_status"),
    )
    op.create_index("test_sends_by_campaign", "test_sends", ["campaign_id", "id"])
    op.create_table(
        "drafts",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
