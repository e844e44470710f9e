"""WhatsApp Web (linked device): delivery acks in the ledger, the engine's ack log, number checks, links.

Revision ID: 0005
Revises: 0004

campaign_recipients.delivery: what the provider reported after 'sent' (NULL, 'delivered', 'read', 'failed'),
a second column moving only forward, so `status` keeps meaning what the sender did and no CHECK is rebuilt;
delivered_at/read_at its times; body the text actually sent (a variation drawn per recipient is sent again
as is on a retry). campaigns.resume_at: when an automatic pause (WhatsApp's 429/463) ends. wa_acks: every
ack the engine reported, the source of reconciliation after a crash. wa_number_checks: the 'is it on
WhatsApp' cache with its date; wa_check_log: one row per check, for the per-minute and per-day budgets.
wa_links: which number a channel is linked as, and since when (the warm-up cap counts days from it).
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOT_NULL_PROVIDER = sa.text("provider_id IS NOT NULL")


def upgrade():
    """Plain ADD COLUMN and new tables (no batch rebuild)."""
    for column in (sa.Column("delivery", sa.Text), sa.Column("delivered_at", sa.Float),
                   sa.Column("read_at", sa.Float), sa.Column("body", sa.Text)):
        op.add_column("campaign_recipients", column)
    op.create_index("campaign_recipients_by_provider_id", "campaign_recipients", ["provider_id"],
                    sqlite_where=NOT_NULL_PROVIDER, postgresql_where=NOT_NULL_PROVIDER)
    op.add_column("campaigns", sa.Column("resume_at", sa.Float))
    op.create_table(
        "wa_acks",
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("jid", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("ts", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("message_id", "status", name="wa_acks_key"),
    )
    op.create_table(
        "wa_number_checks",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("on_whatsapp", sa.Integer, nullable=False),
        sa.Column("jid", sa.Text),
        sa.Column("checked_at", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "number", name="wa_number_checks_key"),
    )
    op.create_table(
        "wa_check_log",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
    )
    op.create_index("wa_check_log_by_channel", "wa_check_log", ["channel_id", "ts"])
    op.create_table(
        "wa_links",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("number", sa.Text),
        sa.Column("jid", sa.Text),
        sa.Column("push_name", sa.Text),
        sa.Column("linked_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
