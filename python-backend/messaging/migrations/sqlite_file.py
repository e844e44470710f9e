"""What only a SQLite data file has: the version table read on the plain sqlite3 connection, and PRAGMA
user_version, which numbered the schema before Alembic (files of the first releases).

A PostgreSQL store has neither legacy files nor user_version (read as 0 there, and never stamped); its
fast check is the same SELECT.
"""
import sqlite3

# Stamped into user_version once Alembic manages the file: an app from before Alembic knows versions up
# to 2 and refuses anything higher as db_too_new instead of running on a schema it does not know.
MANAGED_BY_ALEMBIC = 1000


def stamped_revision(conn):
    """The Alembic revision recorded in the file, or None (a new file or one from before Alembic)."""
    if getattr(conn, "is_postgres", False):  # a failed SELECT would abort a PostgreSQL transaction: ask first
        if conn.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is None:
            return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return row[0] if row else None


def user_version(connection):
    """PRAGMA user_version of the file behind a SQLAlchemy CONNECTION (0 on PostgreSQL)."""
    if connection.dialect.name != "sqlite":
        return 0
    return connection.exec_driver_sql("PRAGMA user_version").scalar()


def mark_managed(connection):
    """Set user_version so that apps from before Alembic refuse the file (in the caller's transaction)."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("PRAGMA user_version=%d" % MANAGED_BY_ALEMBIC)
