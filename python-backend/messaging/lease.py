"""The claim of a running campaign as a lease: a holder (the run id and who runs it) and an expiry.

In the desktop app one process owns the data directory (datalock.py), so the lease only tells a live worker
from an orphan. The team server mode (several workers on one database) keeps the same columns and rules:
a worker claims a campaign whose lease is free or expired, renews it while it sends, and gives it up when it
stops; the file lock is then replaced by this lease alone.
"""
import os
import socket

LEASE_SECONDS = 30.0
RENEW_EVERY = 10.0


def holder():
    """Who holds a lease taken by this process (host and pid, for logs and the team mode)."""
    return "%s:%d" % (socket.gethostname(), os.getpid())


def renew(conn, campaign_id, run_id, ts):
    """Extend this run's lease (caller owns the transaction); False when the run lost the campaign."""
    return conn.execute("UPDATE campaigns SET lease_expires=?, lease_owner=? WHERE id=? AND run_id=? AND "
                        "status='running'", (ts + LEASE_SECONDS, holder(), campaign_id, run_id)).rowcount == 1


def take_over(conn, campaign_id, run_id, ts):
    """Re-own a 'running' campaign whose worker is gone (caller owns the transaction); True when taken."""
    return conn.execute("UPDATE campaigns SET run_id=?, lease_expires=?, lease_owner=?, pause_reason=NULL "
                        "WHERE id=? AND status='running'",
                        (run_id, ts + LEASE_SECONDS, holder(), campaign_id)).rowcount == 1
