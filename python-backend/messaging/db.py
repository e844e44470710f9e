"""SQLite connections for the messaging store (one file in the data directory).

WAL lets the API read while a campaign runner writes. synchronous=FULL: every commit is fsynced, so
after a power cut a committed 'sending' mark cannot roll back to 'pending' (which would re-send a
message). The cost is one fsync per ledger step, negligible next to a provider round trip.
"""
import contextlib
import os
import sqlite3

from . import migrations

DB_FILE_NAME = "bulkmsg.sqlite3"
BUSY_TIMEOUT_MS = 30_000


def db_path(data_dir):
    """Where the messaging database lives inside DATA_DIR."""
    return os.path.join(data_dir, DB_FILE_NAME)


def connect(path):
    """Open a connection with the store's pragmas; transactions are explicit (see `transaction`)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=%d" % BUSY_TIMEOUT_MS)
    return conn


def open_store(data_dir):
    """Connect to DATA_DIR's database and bring its schema up to date."""
    os.makedirs(data_dir, exist_ok=True)
    conn = connect(db_path(data_dir))
    migrations.migrate(conn)
    return conn


@contextlib.contextmanager
def transaction(conn):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (takes the write lock up front)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def integrity_ok(conn):
    """True when PRAGMA integrity_check reports 'ok'."""
    return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
