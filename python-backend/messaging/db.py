"""Connections to the messaging store: the embedded SQLite file in the data directory (the default) or a
PostgreSQL server (team mode: `--database postgresql://...` / BULKMSG_DATABASE_URL), behind one interface.

Callers name the store with `db_path(data_dir)` (the file, or the configured URL) and get a connection with
sqlite3's surface either way (messaging.pg wraps psycopg); `is_postgres(conn)` picks the few engine-specific
statements.

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
URL_PREFIXES = ("postgresql://", "postgres://")
# The PostgreSQL URL this process uses instead of the data directory's file (set once at start by configure).
DATABASE_URL = None


def configure(url):
    """Use the PostgreSQL database at URL (None: the embedded SQLite file) for every store in this process."""
    global DATABASE_URL
    if url is not None and not is_url(url):
        raise ValueError("database URL must start with postgresql://")
    DATABASE_URL = url


def is_url(target):
    """Whether TARGET names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(URL_PREFIXES)


def file_path(data_dir):
    """The SQLite file inside DATA_DIR, whatever the configured engine (rehearsals run on a scratch file)."""
    return os.path.join(data_dir, DB_FILE_NAME)


def db_path(data_dir):
    """Where the messaging database lives: the configured PostgreSQL URL, else the file inside DATA_DIR."""
    return DATABASE_URL or file_path(data_dir)


def is_postgres(conn):
    """Whether CONN is a PostgreSQL connection (for the few statements that differ by engine)."""
    return getattr(conn, "is_postgres", False)


def raw_connect(path):
    """A plain autocommit connection (explicit transactions), busy timeout and fsync on commit; tuples for rows."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=%d" % BUSY_TIMEOUT_MS)
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def connect(path):
    """Open a connection with the store's pragmas; transactions are explicit (see `transaction`)."""
    if is_url(path):
        from . import pg  # psycopg is imported only in team mode

        return pg.Connection(path)
    conn = raw_connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def open_store(data_dir):
    """Connect to DATA_DIR's database (or the configured URL) and bring its schema up to date."""
    os.makedirs(data_dir, exist_ok=True)
    path = db_path(data_dir)
    conn = connect(path)
    try:
        migrations.migrate(conn, path, lambda: raw_connect(path))
    except BaseException:
        conn.close()
        raise
    return conn


def open_configured(data_dir, url):
    """configure(URL) for the whole process, then open_store(DATA_DIR): how a command-line entry point (worker,
    users, secret-key) reaches the database its settings name."""
    configure(url)
    return open_store(data_dir)


def insert_id(conn, statement, params):
    """Run an INSERT and return the new row's id (RETURNING works on SQLite >= 3.35 and PostgreSQL alike)."""
    return conn.execute(statement + " RETURNING id", params).fetchone()[0]


@contextlib.contextmanager
def transaction(conn):
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (takes SQLite's write lock up front; PostgreSQL
    locks rows as they are written, so a plain BEGIN)."""
    conn.execute("BEGIN" if is_postgres(conn) else "BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def snapshot(conn):
    """BEGIN ... COMMIT around reads that must see one state of the file (WAL: writers are not blocked;
    PostgreSQL needs REPEATABLE READ for one snapshot across statements)."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if is_postgres(conn) else "BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def integrity_ok(conn):
    """True when PRAGMA integrity_check reports 'ok' (PostgreSQL checks its own pages: a live answer is ok)."""
    if is_postgres(conn):
        return conn.execute("SELECT 1").fetchone()[0] == 1
    return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
