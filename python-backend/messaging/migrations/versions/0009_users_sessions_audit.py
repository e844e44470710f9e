"""Team mode: people, their sessions and who did what (issue 19).

Revision ID: 0009
Revises: 0008

users: one row per person (name unique, role admin/sender/viewer, the password hash with its own parameters,
disabled_at set instead of deleting, so the audit log keeps naming them). sessions: only the SHA-256 of the
random session token is stored (a stolen database file opens no session), with the CSRF token, the last use
(idle expiry) and the creation time (absolute expiry). audit_log: who (user id and name as it was), what action,
on which object, and a JSON detail. The desktop mode never writes these tables.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Create users, sessions and audit_log."""
    op.create_table(
        "users",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled_at", sa.Float),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
    )
    op.create_index("sessions_user", "sessions", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", ID, primary_key=True),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("object_type", sa.Text),
        sa.Column("object_id", sa.Text),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
