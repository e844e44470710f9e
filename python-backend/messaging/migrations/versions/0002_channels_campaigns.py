"""Email recipients, channels, campaigns and the per-recipient ledger (PRAGMA user_version 2).

Revision ID: 0002
Revises: 0001

The status lists are frozen here as they were in this release; later changes come as new revisions.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CAMPAIGN_STATUSES = ("draft", "running", "paused", "cancelled", "completed")
RECIPIENT_STATUSES = ("pending", "sending", "sent", "failed", "unknown", "skipped")


def one_of(column, values):
    """The SQL condition COLUMN IN (VALUES...)."""
    return "%s IN (%s)" % (column, ", ".join("'%s'" % v for v in values))


def upgrade():
    """Add list_contacts.email and create channels, campaigns and campaign_recipients."""
    op.add_column("list_contacts", sa.Column("email", sa.Text))
    not_null = sa.text("email IS NOT NULL")
    op.create_index("list_contacts_unique_email", "list_contacts", ["list_id", "email"], unique=True,
                    sqlite_where=not_null, postgresql_where=not_null)
    op.create_table(
        "channels",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("config", sa.Text, nullable=False, server_default="{}"),
        sa.Column("has_secret", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    create_campaigns()
    create_recipients()


def create_campaigns():
    """The campaigns table."""
    op.create_table(
        "campaigns",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("list_id", ID, sa.ForeignKey("lists.id", ondelete="SET NULL")),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False, server_default="{}"),
        sa.Column("pacing", sa.Text, nullable=False, server_default="{}"),
        sa.Column("status", sa.Text, nullable=False, server_default="draft"),
        sa.Column("pause_reason", sa.Text),
        sa.Column("run_id", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.CheckConstraint(one_of("status", CAMPAIGN_STATUSES), name="campaigns_status"),
    )


def create_recipients():
    """The per-recipient ledger and its indexes."""
    op.create_table(
        "campaign_recipients",
        sa.Column("id", ID, primary_key=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact_id", ID),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("fields", sa.Text, nullable=False, server_default="{}"),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("provider_id", sa.Text),
        sa.Column("error_code", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("attempted_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.UniqueConstraint("campaign_id", "address"),
        sa.CheckConstraint(one_of("status", RECIPIENT_STATUSES), name="campaign_recipients_status"),
    )
    op.create_index("campaign_recipients_by_status", "campaign_recipients", ["campaign_id", "status", "id"])
    op.create_index("campaign_recipients_by_attempt", "campaign_recipients", ["campaign_id", "attempted_at"])


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
