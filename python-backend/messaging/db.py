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


def raw_connect(path):
    """A plain autocommit connection (explicit transactions), busy timeout and fsync on commit; tuples for rows."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=%d" % BUSY_TIMEOUT_MS)
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def connect(path):
    """Open a connection with the store's pragmas; transactions are explicit (see `transaction`)."""
    conn = raw_connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def open_store(data_dir):
    """Connect to DATA_DIR's database and bring its schema up to date."""
    os.makedirs(data_dir, exist_ok=True)
    path = db_path(data_dir)
    conn = connect(path)
    try:
        migrations.migrate(conn, lambda: raw_connect(path))
    except BaseException:
        conn.close()
        raise
    return conn


def insert_id(conn, statement, params):
    """Run an INSERT and return the new row's id (RETURNING works on SQLite >= 3.35 and PostgreSQL alike)."""
    return conn.execute(statement + " RETURNING id", params).fetchone()[0]


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


@contextlib.contextmanager
def snapshot(conn):
    """BEGIN ... COMMIT around reads that must see one state of the file (WAL: writers are not blocked)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def integrity_ok(conn):
    """True when PRAGMA integrity_check reports 'ok'."""
    return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
