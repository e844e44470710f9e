"""WhatsApp Web linking in the team server mode (issue 19): the API asks, the worker holding the session acts.

Revision ID: 0012
Revises: 0011

wa_link_states: one row per whatsapp_web channel linked in the team mode. The API writes the latest request
(`request`: link, pair or unlink; `request_seq` counts them, `pair_number` is the phone's number for a pairing
code); the worker holding the channel's session lease carries it out, sets `handled_seq`, and publishes the
engine's link state as JSON (`state`, `worker_id`, `updated_at`) and a pairing code's answer (`pair_answer`).
The API shows a state only while its publisher still holds the lease (messaging/team/links.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Create the link-state table."""
    op.create_table(
        "wa_link_states",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("request_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("handled_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pair_number", sa.Text),
        sa.Column("pair_answer", sa.Text),
        sa.Column("state", sa.Text),
        sa.Column("worker_id", sa.Text),
        sa.Column("updated_at", sa.Float),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
