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
        claimed = [rid for rid in claimed if not settled_by_report(conn, rid)]
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


def settled_by_report(conn, recipient_id):
    """True when a provider already reported a message for this just-claimed row (a status that named it came in
    after a retry requeued it): the row takes that message id and is not sent again."""
    reports = conn.execute("SELECT provider_id, status, channel_id, ts, error FROM status_reports WHERE "
                           "recipient_id=?", (recipient_id,)).fetchall()
    for provider_id, status, channel_id, ts, error in reports:
        if adopt(conn, recipient_id, provider_id, channel_id):
            apply_status(conn, provider_id, status, ts, error)
            return True
    return False


def apply_outcome(conn, outcome, worker_id=None):
    """Write one Outcome (inside the caller's transaction); WORKER_ID: only onto a row that team worker holds."""
    if outcome.status == "pending":
        return states.release_recipient(conn, outcome.recipient_id, outcome.code, outcome.error, worker_id)
    if outcome.status == "skipped":
        return states.drop_recipient(conn, outcome.recipient_id, outcome.code, outcome.error, outcome.ts, worker_id)
    if outcome.body is not None:
        where, params = states.one_row(outcome.recipient_id, worker_id)
        conn.execute("UPDATE campaign_recipients SET body=? WHERE " + where, (outcome.body, *params))
    return states.finish_recipient(conn, outcome.recipient_id, outcome.status, outcome.ts, outcome.provider_id,
                                   outcome.code, outcome.error, worker_id)


def record_outcomes(conn, outcomes, worker_id=None):
    """Write several outcomes in one durable commit (WORKER_ID: a team worker's, onto the rows it holds)."""
    with transaction(conn):
        for outcome in outcomes:
            apply_outcome(conn, outcome, worker_id)


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
    sending: 'delivered' (delivered or read), 'read', 'delivery_failed' (failed or undelivered), 'undelivered',
    and 'replied' (rows whose contact wrote back after it)."""
    found = dict(conn.execute("SELECT status, COUNT(*) FROM campaign_recipients WHERE campaign_id=? "
                              "GROUP BY status", (campaign_id,)).fetchall())
    result = {status: found.get(status, 0) for status in STATUSES}
    result["total"] = sum(result.values())
    reported = dict(conn.execute("SELECT delivery, COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND "
                                 "delivery IS NOT NULL GROUP BY delivery", (campaign_id,)).fetchall())
    result["delivered"] = reported.get("delivered", 0) + reported.get("read", 0)
    result["read"] = reported.get("read", 0)
    result["undelivered"] = reported.get("undelivered", 0)
    result["delivery_failed"] = reported.get("failed", 0) + result["undelivered"]
    result["replied"] = conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND "
                                     "replied_at IS NOT NULL", (campaign_id,)).fetchone()[0]
    return result


# What a provider status says about a row: 'accepted' only proves the message left (sending/unknown -> sent);
# the others also raise `delivery` (states.DELIVERY_STATUSES), which only moves forward.
ACCEPTED = "accepted"
REPORTED = (ACCEPTED,) + states.DELIVERY_STATUSES
# WhatsApp Web engine acks in those words, and the order acks are replayed in when reconciling.
ACK_STATUS = {"server": ACCEPTED, "delivered": "delivered", "read": "read", "played": "read", "error": "failed"}
REPLAY_ORDER = (ACCEPTED, "delivered", "failed", "undelivered", "read")


def record_ack(conn, message_id, status, ts, jid=None, error=None):
    """Keep one ack of the WhatsApp Web engine and apply it to the ledger (caller's transaction); rows changed."""
    conn.execute("INSERT INTO wa_acks (message_id, status, jid, error, ts) VALUES (?,?,?,?,?) "
                 "ON CONFLICT DO NOTHING", (message_id, status, jid, error, ts))
    return apply_status(conn, message_id, ACK_STATUS.get(status, ACCEPTED), ts, error)


def record_status(conn, provider_id, status, ts, channel_id=None, recipient_id=None, error=None):
    """Keep one provider status report (duplicates are no-ops) and apply it (caller's transaction); rows changed.

    RECIPIENT_ID (a Cloud API status names its row in biz_opaque_callback_data) first gives an id-less row of
    CHANNEL_ID's campaigns this PROVIDER_ID: the way a send whose answer a crash lost is found again."""
    assert status in REPORTED, status
    conn.execute("INSERT INTO status_reports (provider_id, status, channel_id, recipient_id, error, ts) "
                 "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                 (provider_id, status, channel_id, recipient_id, error, ts))
    if recipient_id is not None and channel_id is not None:
        adopt(conn, recipient_id, provider_id, channel_id)
    return apply_status(conn, provider_id, status, ts, error)


def adopt(conn, recipient_id, provider_id, channel_id):
    """Give row RECIPIENT_ID of a campaign on CHANNEL_ID the PROVIDER_ID, when it has none yet; True if so."""
    return conn.execute("UPDATE campaign_recipients SET provider_id=? WHERE id=? AND provider_id IS NULL AND "
                        "status IN ('sending','unknown') AND campaign_id IN "
                        "(SELECT id FROM campaigns WHERE channel_id=?)",
                        (provider_id, recipient_id, channel_id)).rowcount == 1


def apply_status(conn, provider_id, status, ts, error=None):
    """Move the rows of PROVIDER_ID forward for a report: sending/unknown -> sent, then the delivery; rows
    changed."""
    changed = states.reconcile_recipients(conn, provider_id, ts)
    if status in states.DELIVERY_STATUSES:
        changed += states.raise_delivery(conn, provider_id, status, ts, error)
    return changed


def known_reports(conn, campaign_id):
    """(provider_id, status, ts, error) of every ack or status report that names an 'unknown' row of the
    campaign, in replay order."""
    reports = [(r[0], ACK_STATUS.get(r[1], ACCEPTED), r[2], r[3]) for r in conn.execute(
        "SELECT a.message_id, a.status, a.ts, a.error FROM campaign_recipients r JOIN wa_acks a "
        "ON a.message_id=r.provider_id WHERE r.campaign_id=? AND r.status='unknown'", (campaign_id,))]
    reports += [tuple(r) for r in conn.execute(
        "SELECT s.provider_id, s.status, s.ts, s.error FROM campaign_recipients r JOIN status_reports s "
        "ON s.provider_id=r.provider_id WHERE r.campaign_id=? AND r.status='unknown'", (campaign_id,))]
    rank = {status: i for i, status in enumerate(REPLAY_ORDER)}
    return sorted(reports, key=lambda report: rank.get(report[1], 0))


def adopt_reported(conn, campaign_id):
    """Give the campaign's id-less 'unknown' rows the provider ids that status reports named them with."""
    for provider_id, recipient_id, channel_id in conn.execute(
            "SELECT s.provider_id, s.recipient_id, s.channel_id FROM status_reports s JOIN campaign_recipients r "
            "ON r.id=s.recipient_id WHERE r.campaign_id=? AND r.status='unknown' AND r.provider_id IS NULL",
            (campaign_id,)).fetchall():
        adopt(conn, recipient_id, provider_id, channel_id)


def reconcile(conn, campaign_id, found=()):
    """Apply what providers already reported to the campaign's 'unknown' rows (before a retry):
    {"reconciled": rows a provider's report turned from unknown to sent (now or as it arrived), "still_unknown":
    rows a retry may send again}.

    FOUND: (recipient_id, provider_id, status, ts, error) a channel looked up itself (Twilio's message list)."""
    with transaction(conn):
        for recipient_id, provider_id, status, ts, error in found:
            record_status(conn, provider_id, status, ts, campaign_channel(conn, campaign_id), recipient_id, error)
        adopt_reported(conn, campaign_id)
        for provider_id, status, ts, error in known_reports(conn, campaign_id):
            apply_status(conn, provider_id, status, ts, error)
        still = unknown_count(conn, campaign_id)
        reconciled = conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND "
                                  "reconciled_at IS NOT NULL", (campaign_id,)).fetchone()[0]
    return {"reconciled": reconciled, "still_unknown": still}


def unknown_count(conn, campaign_id):
    """How many rows of the campaign are 'unknown'."""
    return conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND status='unknown'",
                        (campaign_id,)).fetchone()[0]


def campaign_channel(conn, campaign_id):
    """The channel id of a campaign."""
    return conn.execute("SELECT channel_id FROM campaigns WHERE id=?", (campaign_id,)).fetchone()[0]


def unknown_rows(conn, campaign_id):
    """The campaign's 'unknown' rows (for a channel that can look them up)."""
    return conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? AND status='unknown' ORDER BY id",
                        (campaign_id,)).fetchall()


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
