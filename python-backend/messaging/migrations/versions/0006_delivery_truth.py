"""Delivery truth: provider status reports, the replies inbox, consent sources, webhook and sync bookkeeping.

Revision ID: 0006
Revises: 0005

status_reports: every status a provider reported for a message id (Twilio polls and callbacks, Cloud API
webhooks, email bounces), kept once per (provider id, status) so duplicates are idempotent and a row left
'unknown' can be reconciled from them later; recipient_id is the ledger row a Cloud API status names in
biz_opaque_callback_data. inbox_messages: replies and the answers sent from the inbox. do_not_contact becomes
the consent list: each entry says where it came from (source) and through which channel. app_settings: small
values the user sets in the app (opt-out words, the tunnel's public URL). webhook_stats: whether webhooks are
arriving, per channel. channel_sync: where the last poll of a provider (Twilio's message list, an IMAP
mailbox) stopped.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Plain ADD COLUMN and new tables (no batch rebuild)."""
    op.add_column("campaign_recipients", sa.Column("replied_at", sa.Float))
    op.add_column("campaign_recipients", sa.Column("delivery_error", sa.Text))
    # When a provider's report turned an 'unknown' row into 'sent' (what the retry dialog counts as reconciled).
    op.add_column("campaign_recipients", sa.Column("reconciled_at", sa.Float))
    # Inbound messages find the campaign that last reached their sender by address.
    op.create_index("campaign_recipients_by_address", "campaign_recipients", ["address"])
    op.add_column("do_not_contact", sa.Column("source", sa.Text, nullable=False, server_default="manual"))
    op.add_column("do_not_contact", sa.Column("channel_id", ID))
    op.create_table(
        "status_reports",
        sa.Column("provider_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("channel_id", ID),
        sa.Column("recipient_id", ID),
        sa.Column("error", sa.Text),
        sa.Column("ts", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("provider_id", "status", name="status_reports_key"),
    )
    op.create_index("status_reports_by_recipient", "status_reports", ["recipient_id"])
    op.create_table(
        "inbox_messages",
        sa.Column("id", ID, primary_key=True),
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("direction", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("provider_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("campaign_id", ID),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("read_at", sa.Float),
    )
    op.create_index("inbox_by_conversation", "inbox_messages", ["channel_id", "address", "id"])
    not_null = sa.text("provider_id IS NOT NULL")
    op.create_index("inbox_unique_provider_id", "inbox_messages", ["channel_id", "provider_id"], unique=True,
                    sqlite_where=not_null, postgresql_where=not_null)
    op.create_table(
        "app_settings",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "webhook_stats",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_received_at", sa.Float),
        sa.Column("last_rejected_at", sa.Float),
        sa.Column("last_error", sa.Text),
    )
    op.create_table(
        "channel_sync",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("cursor", sa.Text, nullable=False),
        sa.Column("synced_at", sa.Float, nullable=False),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("channel_id", "kind", name="channel_sync_key"),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
