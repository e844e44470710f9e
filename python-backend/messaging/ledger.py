"""The per-recipient ledger: pending -> sending -> sent | failed | unknown (or skipped); see states.py.

'sending' is committed before the provider is called and the outcome after it, so a crash leaves at most the
in-flight recipients in 'sending'; those become 'unknown' on recovery and are only retried when the user asks.
Outcomes that land together are committed in one transaction (`record_outcomes`): one fsync for many rows.
"""
from . import states
from .db import transaction
from .util import now

STATUSES = states.RECIPIENT_STATUSES
RETRYABLE = states.RETRYABLE


def next_pending(conn, campaign_id, limit=1):
    """Up to LIMIT recipients to send to next (lowest id first)."""
    return conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? AND status='pending' "
                        "ORDER BY id LIMIT ?", (campaign_id, limit)).fetchall()


def claim_many(conn, campaign_id, run_id, recipient_ids, ts, pace=None, new_id=None):
    """Mark RECIPIENT_IDS 'sending' in one transaction while the campaign is this run's; {id: provider_id} of
    the rows claimed.

    PACE (last_send, count) is stored in the same transaction, so pacing survives a crash at no extra commit.
    NEW_ID (channels that choose message ids): a row without an id gets NEW_ID() in the same commit, so the id
    is on disk before the provider is called; a retried row keeps the id it was first sent with.
    """
    with transaction(conn):
        running = conn.execute("SELECT 1 FROM campaigns WHERE id=? AND status='running' AND run_id=?",
                               (campaign_id, run_id)).fetchone()
        if running is None:
            return {}
        claimed = [rid for rid in recipient_ids if states.claim_recipient(conn, rid, ts)]
        if new_id is not None:
            for rid in claimed:
                conn.execute("UPDATE campaign_recipients SET provider_id=? WHERE id=? AND provider_id IS NULL",
                             (new_id(), rid))
        if pace is not None:
            conn.execute("UPDATE campaigns SET pace_last_send=?, pace_count=? WHERE id=?", (*pace, campaign_id))
        ids = {}
        for rid in claimed:
            ids[rid] = conn.execute("SELECT provider_id FROM campaign_recipients WHERE id=?", (rid,)).fetchone()[0]
        return ids


def apply_outcome(conn, outcome):
    """Write one Outcome (inside the caller's transaction)."""
    if outcome.status == "pending":
        return states.release_recipient(conn, outcome.recipient_id, outcome.code, outcome.error)
    if outcome.status == "skipped":
        return states.drop_recipient(conn, outcome.recipient_id, outcome.code, outcome.error, outcome.ts)
    if outcome.body is not None:
        conn.execute("UPDATE campaign_recipients SET body=? WHERE id=?", (outcome.body, outcome.recipient_id))
    return states.finish_recipient(conn, outcome.recipient_id, outcome.status, outcome.ts,
                                   outcome.provider_id, outcome.code, outcome.error)


def record_outcomes(conn, outcomes):
    """Write several outcomes in one durable commit."""
    with transaction(conn):
        for outcome in outcomes:
            apply_outcome(conn, outcome)


def skip(conn, recipient_id, code, error):
    """Mark a 'pending' recipient skipped (e.g. added to do-not-contact while the campaign ran)."""
    with transaction(conn):
        states.skip_recipient(conn, recipient_id, code, error, now())


def recover(conn, campaign_id=None):
    """After a crash: every 'sending' recipient becomes 'unknown' (it may or may not have been sent)."""
    with transaction(conn):
        return states.interrupt_recipients(conn, now(), campaign_id)


def requeue(conn, campaign_id, statuses):
    """Put recipients in STATUSES (failed and/or unknown) back to 'pending'; returns how many."""
    return states.requeue_recipients(conn, campaign_id, statuses)


def counts(conn, campaign_id):
    """{status: count} for every status (zeros included), 'total', and what the provider reported after
    sending: 'delivered' (delivered or read), 'read', 'delivery_failed'."""
    found = dict(conn.execute("SELECT status, COUNT(*) FROM campaign_recipients WHERE campaign_id=? "
                              "GROUP BY status", (campaign_id,)).fetchall())
    result = {status: found.get(status, 0) for status in STATUSES}
    result["total"] = sum(result.values())
    reported = dict(conn.execute("SELECT delivery, COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND "
                                 "delivery IS NOT NULL GROUP BY delivery", (campaign_id,)).fetchall())
    result["delivered"] = reported.get("delivered", 0) + reported.get("read", 0)
    result["read"] = reported.get("read", 0)
    result["delivery_failed"] = reported.get("failed", 0)
    return result


# Engine acks and what they say about a row: any ack proves the message left; receipts raise `delivery`.
ACK_DELIVERY = {"delivered": "delivered", "read": "read", "played": "read", "error": "failed"}
ACK_ORDER = ("server", "delivered", "error", "read", "played")


def record_ack(conn, message_id, status, ts, jid=None, error=None):
    """Keep one ack of the WhatsApp Web engine and apply it to the ledger (caller's transaction); rows changed."""
    conn.execute("INSERT OR IGNORE INTO wa_acks (message_id, status, jid, error, ts) VALUES (?,?,?,?,?)",
                 (message_id, status, jid, error, ts))
    return apply_ack(conn, message_id, status, ts, error)


def apply_ack(conn, message_id, status, ts, error=None):
    """Move the rows of MESSAGE_ID forward for an ack: sending/unknown -> sent, then the delivery; rows changed."""
    changed = states.reconcile_recipients(conn, message_id, ts)
    if status in ACK_DELIVERY:
        changed += states.raise_delivery(conn, message_id, ACK_DELIVERY[status], ts, error)
    return changed


def reconcile(conn, campaign_id):
    """Apply the acks already received to the campaign's 'unknown' rows (before a retry):
    {"reconciled": rows now known sent, "still_unknown": rows a retry may send again}."""
    with transaction(conn):
        acks = conn.execute("SELECT a.message_id, a.status, a.ts, a.error FROM campaign_recipients r JOIN wa_acks a "
                            "ON a.message_id=r.provider_id WHERE r.campaign_id=? AND r.status='unknown'",
                            (campaign_id,)).fetchall()
        rank = {status: i for i, status in enumerate(ACK_ORDER)}
        reconciled = set()
        for message_id, status, ts, error in sorted(acks, key=lambda a: rank.get(a[1], 0)):
            if states.reconcile_recipients(conn, message_id, ts):
                reconciled.add(message_id)
            if status in ACK_DELIVERY:
                states.raise_delivery(conn, message_id, ACK_DELIVERY[status], ts, error)
        still = conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND status='unknown'",
                             (campaign_id,)).fetchone()[0]
    return {"reconciled": len(reconciled), "still_unknown": still}


def nth_latest_attempt(conn, campaign_id):
    """An nth_latest(since, k) lookup over the ledger's attempt times (index-backed, for pacing caps)."""
    def nth_latest(since, k):
        row = conn.execute("SELECT attempted_at FROM campaign_recipients WHERE campaign_id=? AND attempted_at>? "
                           "ORDER BY attempted_at DESC LIMIT 1 OFFSET ?", (campaign_id, since, k - 1)).fetchone()
        return row[0] if row else None
    return nth_latest


def nth_latest_channel_attempt(conn, channel_id):
    """nth_latest(since, k) over the attempts of every campaign of CHANNEL_ID (a per-number cap, e.g. warm-up)."""
    def nth_latest(since, k):
        row = conn.execute("SELECT r.attempted_at FROM campaign_recipients r JOIN campaigns c ON c.id=r.campaign_id "
                           "WHERE c.channel_id=? AND r.attempted_at>? ORDER BY r.attempted_at DESC LIMIT 1 OFFSET ?",
                           (channel_id, since, k - 1)).fetchone()
        return row[0] if row else None
    return nth_latest


def latest(conn, campaign_id, limit=20):
    """The most recent outcomes, newest first."""
    rows = conn.execute("SELECT id, address, name, status, provider_id, error_code, error, finished_at "
                        "FROM campaign_recipients WHERE campaign_id=? AND finished_at IS NOT NULL "
                        "ORDER BY finished_at DESC, id DESC LIMIT ?", (campaign_id, limit)).fetchall()
    return [dict(r) for r in rows]


def finished_since(conn, campaign_id, since):
    """How many recipients got an outcome after SINCE (for the rate)."""
    return conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND finished_at>? "
                        "AND status IN ('sent','failed','unknown')", (campaign_id, since)).fetchone()[0]


def in_flight_elsewhere(conn):
    """Ids of campaigns with rows in 'sending' (for the invariant check)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT campaign_id FROM campaign_recipients WHERE status='sending'")]
