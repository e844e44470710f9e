"""Channel secrets in the database for the team mode (issue 19).

Revision ID: 0010
Revises: 0009

channel_secrets: one row per channel holding only AES-256-GCM ciphertext of its secrets, the id of the key that
sealed it and the nonce (messaging/secret_db.py). The desktop keeps its secrets in the keychain or the encrypted
file and never writes here.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Create the table (its rows go with their channel)."""
    op.create_table(
        "channel_secrets",
        sa.Column("channel_id", ID, sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
