"""What only a SQLite data file has: the version table read on the plain sqlite3 connection, and PRAGMA
user_version, which numbered the schema before Alembic (files of the first releases).

A PostgreSQL store will have neither legacy files nor user_version; its fast check is the same SELECT.
"""
import sqlite3

# Stamped into user_version once Alembic manages the file: an app from before Alembic knows versions up
# to 2 and refuses anything higher as db_too_new instead of running on a schema it does not know.
MANAGED_BY_ALEMBIC = 1000


def stamped_revision(conn):
    """The Alembic revision recorded in the file, or None (a new file or one from before Alembic)."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return row[0] if row else None


def user_version(connection):
    """PRAGMA user_version of the file behind a SQLAlchemy CONNECTION."""
    return connection.exec_driver_sql("PRAGMA user_version").scalar()


def mark_managed(connection):
    """Set user_version so that apps from before Alembic refuse the file (in the caller's transaction)."""
    connection.exec_driver_sql("PRAGMA user_version=%d" % MANAGED_BY_ALEMBIC)
