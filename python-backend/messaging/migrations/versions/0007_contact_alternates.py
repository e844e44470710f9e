"""A saved contact keeps its other valid numbers.

Revision ID: 0007
Revises: 0006

list_contacts.alternates: a JSON array of E.164 numbers found in the contact's other phone columns (home,
work, a second mobile), NULL when there are none. The campaign still sends to `number`; the alternates are
there so nothing the user imported is lost and a wrong number can be swapped for another.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    """A plain ADD COLUMN (no batch rebuild)."""
    op.add_column("list_contacts", sa.Column("alternates", sa.Text))


def downgrade():
    """The app never downgrades a data file: an older app refuses a newer file (db_too_new)."""
    raise NotImplementedError("downgrades are not supported")
