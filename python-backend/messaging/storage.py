"""Storage health: a full or read-only disk is a state of the app, not a crash.

`classify` tells storage failures (SQLite's 'database or disk is full', 'readonly database', 'disk I/O error';
OSError ENOSPC, EDQUOT, EROFS, EIO) from bugs. `StorageHealth` remembers the current state for /health and the
runner; `probe` checks with a real write whether space came back.
"""
import errno
import os
import sqlite3
import threading

from core import errors
from core.errors import DomainError

OK, FULL, ERROR = "ok", "storage_full", "storage_error"
STATES = (OK, FULL, ERROR)
FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
# Not EACCES/EPERM: a file the user named being unreadable is not the data folder failing.
ERROR_ERRNOS = {errno.EROFS, errno.EIO}
# A probe writes this much: enough for SQLite to grow its WAL by a few pages and write one transaction.
PROBE_BYTES = 256 * 1024
PROBE_NAME = ".storage-probe"
MESSAGES = {
    FULL: "The disk holding the data folder is full. Sending is paused; free some space and it resumes by itself.",
    ERROR: "The data folder cannot be written (read-only or failing disk). Sending is paused until it can.",
}


# PostgreSQL (team mode): SQLSTATE classes/codes that are the database server's storage or reachability,
# not a bug: disk full, read-only (a standby, default_transaction_read_only), the connection lost or refused.
PG_FULL_STATES = ("53100",)
PG_ERROR_STATES = ("25006", "57P01", "57P02", "57P03", "53000", "58030")
PG_ERROR_CLASSES = ("08",)
DB_MESSAGES = {
    FULL: "The database server's disk is full. Sending is paused; it resumes once the server has space again.",
    ERROR: "The database server cannot be reached or written (connection lost, or read-only). Sending is "
           "paused until it answers again.",
}


def is_postgres_error(err):
    """Whether ERR comes from the PostgreSQL driver (checked by module: the desktop never imports psycopg)."""
    return type(err).__module__.startswith("psycopg")


def classify_postgres(err):
    """FULL or ERROR for a psycopg error that is the server's disk or connection, else None."""
    import psycopg

    state = getattr(err, "sqlstate", None)
    if state in PG_FULL_STATES:
        return FULL
    if state in PG_ERROR_STATES or (state or "")[:2] in PG_ERROR_CLASSES:
        return ERROR
    if state is None and isinstance(err, psycopg.OperationalError):  # no SQLSTATE: the connection itself failed
        return ERROR
    return None


def classify(err):
    """OK's opposite for a storage failure (FULL or ERROR), or None when ERR is something else."""
    if is_postgres_error(err):
        return classify_postgres(err)
    if isinstance(err, sqlite3.Error):
        text = str(err).lower()
        if "full" in text:
            return FULL
        if "readonly" in text or "read-only" in text or "disk i/o" in text or "unable to open" in text:
            return ERROR
        return None
    if isinstance(err, OSError):
        if err.errno in FULL_ERRNOS:
            return FULL
        if err.errno in ERROR_ERRNOS:
            return ERROR
    return None


def is_contention(err):
    """Whether ERR is a transaction that lost to another at the same moment (PostgreSQL's class 40: deadlock,
    serialization failure; SQLite's lock still held when its busy timeout ran out): nothing changed, the same
    request may simply be sent again."""
    if is_postgres_error(err):
        return (getattr(err, "sqlstate", None) or "").startswith("40")
    return isinstance(err, sqlite3.OperationalError) and "database is locked" in str(err).lower()


def domain_error(err):
    """The DomainError (kind STORAGE_FULL) a request gets for storage failure ERR, or None."""
    state = classify(err)
    if state is None:
        return None
    return DomainError(state, message_for(err, state), errors.STORAGE_FULL)


def message_for(err, state):
    """The user's explanation of STATE: about the data folder, or about the database server for ERR from it."""
    return (DB_MESSAGES if is_postgres_error(err) else MESSAGES)[state]


class StorageHealth:
    """The data directory's storage state, shared by the runner, the requests and /health."""

    def __init__(self, data_dir):
        self.data_dir, self.state, self.message = data_dir, OK, None
        self.lock = threading.Lock()

    def report(self, err_or_state, detail=None):
        """Record a storage failure (an exception or a state); returns the state."""
        state = err_or_state if err_or_state in STATES else classify(err_or_state)
        with self.lock:
            self.state = state or ERROR
            self.message = message_for(err_or_state, self.state) + (" " + detail if detail else "")
        return self.state

    def clear(self):
        """Writes work again."""
        with self.lock:
            self.state, self.message = OK, None

    def ok(self):
        """True while writes work."""
        return self.state == OK

    def as_dict(self):
        """{"state", "message"} for /health."""
        with self.lock:
            return {"state": self.state, "message": self.message}

    def refuse_if_bad(self):
        """Raise the 507 DomainError while storage is bad (before trying a write that would fail)."""
        if self.state != OK:
            raise DomainError(self.state, self.message, errors.STORAGE_FULL)

    def probe(self):
        """Write and fsync PROBE_BYTES in the data directory; the state found (OK, FULL or ERROR)."""
        path = os.path.join(self.data_dir, PROBE_NAME)
        try:
            with open(path, "wb") as handle:
                handle.write(b"\0" * PROBE_BYTES)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            return classify(err) or ERROR
        finally:
            try:
                os.remove(path)
            except OSError:
                pass
        return OK
