"""Saved lists, do-not-contact and templates (the first release's schema, PRAGMA user_version 1).

Revision ID: 0001
Revises: (none)
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# INTEGER PRIMARY KEY is SQLite's rowid alias; on PostgreSQL the same column is a BIGSERIAL.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Create the version-1 tables."""
    op.create_table(
        "lists",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "list_contacts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("list_id", ID, sa.ForeignKey("lists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Text),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("fields", sa.Text, nullable=False, server_default="{}"),
        sa.Column("source_row", sa.Integer),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("list_contacts_by_list", "list_contacts", ["list_id", "id"])
    not_null = sa.text("number IS NOT NULL")
    op.create_index("list_contacts_unique_number", "list_contacts", ["list_id", "number"], unique=True,
                    sqlite_where=not_null, postgresql_where=not_null)
    op.create_table(
        "do_not_contact",
        sa.Column("id", ID, primary_key=True),
        sa.Column("value", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "templates",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
