"""The per-recipient ledger: pending -> sending -> sent | failed | unknown (or skipped).

'sending' is committed before the provider is called and the outcome after it, each in its own
transaction, so a crash leaves at most the in-flight recipients in 'sending'; those become 'unknown'
on recovery and are only retried when the user asks.
"""
from .db import transaction
from .util import now

STATUSES = ("pending", "sending", "sent", "failed", "unknown", "skipped")
RETRYABLE = ("failed", "unknown")


def next_pending(conn, campaign_id):
    """The next recipient to send to (lowest id first), or None."""
    return conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? AND status='pending' "
                        "ORDER BY id LIMIT 1", (campaign_id,)).fetchone()


def claim(conn, campaign_id, run_id, recipient_id, ts):
    """Mark a recipient 'sending' if the campaign is still this run's and running; True when claimed."""
    with transaction(conn):
        running = conn.execute("SELECT 1 FROM campaigns WHERE id=? AND status='running' AND run_id=?",
                               (campaign_id, run_id)).fetchone()
        if running is None:
            return False
        cursor = conn.execute("UPDATE campaign_recipients SET status='sending', attempts=attempts+1, "
                              "attempted_at=?, error_code=NULL, error=NULL WHERE id=? AND status='pending'",
                              (ts, recipient_id))
        return cursor.rowcount == 1


def finish(conn, recipient_id, status, provider_id=None, code=None, error=None, ts=None):
    """Record the outcome of a 'sending' recipient."""
    with transaction(conn):
        conn.execute("UPDATE campaign_recipients SET status=?, provider_id=?, error_code=?, error=?, finished_at=? "
                     "WHERE id=? AND status='sending'",
                     (status, provider_id, code, error, ts if ts is not None else now(), recipient_id))


def release(conn, recipient_id, code, error):
    """Put a 'sending' recipient back to 'pending' (the provider certainly did not take the message)."""
    with transaction(conn):
        conn.execute("UPDATE campaign_recipients SET status='pending', error_code=?, error=? "
                     "WHERE id=? AND status='sending'", (code, error, recipient_id))


def skip(conn, recipient_id, code, error):
    """Mark a 'pending' recipient skipped (e.g. added to do-not-contact while the campaign ran)."""
    with transaction(conn):
        conn.execute("UPDATE campaign_recipients SET status='skipped', error_code=?, error=?, finished_at=? "
                     "WHERE id=? AND status='pending'", (code, error, now(), recipient_id))


def recover(conn, campaign_id=None):
    """After a crash: every 'sending' recipient becomes 'unknown' (it may or may not have been sent)."""
    where, params = ("campaign_id=? AND ", [campaign_id]) if campaign_id is not None else ("", [])
    with transaction(conn):
        return conn.execute("UPDATE campaign_recipients SET status='unknown', error_code='interrupted', "
                            "error='The app stopped while this message was being sent; it may or may not have "
                            "been delivered.', finished_at=? WHERE %sstatus='sending'" % where,
                            [now()] + params).rowcount


def requeue(conn, campaign_id, statuses):
    """Put recipients in STATUSES (failed and/or unknown) back to 'pending'; returns how many."""
    marks = ",".join("?" * len(statuses))
    return conn.execute("UPDATE campaign_recipients SET status='pending', error_code=NULL, error=NULL, "
                        "finished_at=NULL WHERE campaign_id=? AND status IN (%s)" % marks,
                        [campaign_id] + list(statuses)).rowcount


def counts(conn, campaign_id):
    """{status: count} for every status (zeros included) and 'total'."""
    found = dict(conn.execute("SELECT status, COUNT(*) FROM campaign_recipients WHERE campaign_id=? "
                              "GROUP BY status", (campaign_id,)).fetchall())
    result = {status: found.get(status, 0) for status in STATUSES}
    result["total"] = sum(result.values())
    return result


def nth_latest_attempt(conn, campaign_id):
    """An nth_latest(since, k) lookup over the ledger's attempt times (index-backed, for pacing caps)."""
    def nth_latest(since, k):
        row = conn.execute("SELECT attempted_at FROM campaign_recipients WHERE campaign_id=? AND attempted_at>? "
                           "ORDER BY attempted_at DESC LIMIT 1 OFFSET ?", (campaign_id, since, k - 1)).fetchone()
        return row[0] if row else None
    return nth_latest


def latest(conn, campaign_id, limit=20, after_id=None):
    """The most recent outcomes, newest first."""
    rows = conn.execute("SELECT id, address, name, status, provider_id, error_code, error, finished_at "
                        "FROM campaign_recipients WHERE campaign_id=? AND finished_at IS NOT NULL "
                        "ORDER BY finished_at DESC, id DESC LIMIT ?", (campaign_id, limit)).fetchall()
    return [dict(r) for r in rows]


def finished_since(conn, campaign_id, since):
    """How many recipients got an outcome after SINCE (for the rate)."""
    return conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND finished_at>? "
                        "AND status IN ('sent','failed','unknown')", (campaign_id, since)).fetchone()[0]
