"""Live workers: one row per `app.py worker` process, with a lease it renews; the reaper of expired ones.

A worker that dies (kill -9, lost network) stops renewing. Any worker, or the API, then finds its lease expired,
turns its 'sending' rows 'unknown' (never back to 'pending': the provider may have taken them) and deletes the
row. A worker whose own row has gone stops claiming and registers again.
"""
import os
import socket
import uuid

from .. import db, states

LEASE_SECONDS = 15.0
RENEW_EVERY = 3.0
# A worker trusts its lease this much less than it lasts, for clock differences between machines.
CLOCK_MARGIN = 5.0


def register(conn, ts):
    """Insert this process's worker row; its id (host, pid and a random part: pids repeat across machines)."""
    worker_id = "%s:%d:%s" % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
    with db.transaction(conn):
        conn.execute("INSERT INTO workers (id, host, pid, started_at, lease_expires) VALUES (?,?,?,?,?)",
                     (worker_id, socket.gethostname(), os.getpid(), ts, ts + LEASE_SECONDS))
    return worker_id


def renew(conn, worker_id, ts):
    """Extend WORKER_ID's lease; False when the row has gone (it was reaped: this worker lost its rows)."""
    with db.transaction(conn):
        return conn.execute("UPDATE workers SET lease_expires=? WHERE id=?",
                            (ts + LEASE_SECONDS, worker_id)).rowcount == 1


def unregister(conn, worker_id, ts):
    """A clean exit: whatever is still 'sending' under WORKER_ID becomes 'unknown'; the row and its session
    leases go."""
    with db.transaction(conn):
        states.interrupt_worker_rows(conn, ts, worker_id)
        conn.execute("DELETE FROM session_leases WHERE worker_id=?", (worker_id,))
        conn.execute("DELETE FROM workers WHERE id=?", (worker_id,))


def reap(conn, ts):
    """Delete the workers whose lease expired before TS, with their session leases; rows left 'sending' by a
    worker that is gone become 'unknown'. How many rows."""
    with db.transaction(conn):
        conn.execute("DELETE FROM session_leases WHERE worker_id IN (SELECT id FROM workers WHERE lease_expires<?)",
                     (ts,))
        conn.execute("DELETE FROM workers WHERE lease_expires<?", (ts,))
        return states.interrupt_orphaned(conn, ts)

