"""What the compose check needs of a list, kept with the list (issue 18).

Revision ID: 0008
Revises: 0007

list_shapes: a list's contacts counted by shape (messaging/list_stats.py: name words, number and email absent,
blank or filled, field names each marked empty or not), from which the compose check counts empty placeholders.
list_layouts: a list's field-name sequences with their contact counts and first contact id (the placeholder field
names in order of first appearance). Both are written in the same transaction as list_contacts and go with their
list. The upgrade backfills them from the lists already saved.
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    """Create the two tables and count every saved list into them."""
    op.create_table(
        "list_shapes",
        sa.Column("list_id", ID, sa.ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("shape", sa.Text, primary_key=True),
        sa.Column("contacts", sa.Integer, nullable=False),
    )
    op.create_table(
        "list_layouts",
        sa.Column("list_id", ID, sa.ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("layout", sa.Text, primary_key=True),
        sa.Column("contacts", sa.Integer, nullable=False),
        sa.Column("first_id", sa.Integer, nullable=False),
    )
    from messaging import list_stats  # the one definition of a shape, also for the backfill

    conn = op.get_bind().connection.driver_connection
    for (list_id,) in conn.execute("SELECT id FROM lists").fetchall():
        list_stats.rebuild(conn, list_id)


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
