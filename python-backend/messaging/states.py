"""The one state machine of campaigns and of their recipients: the status lists, the transition tables, and
the only functions that write a `status` column.

Each event names the statuses it may start from and the status it leads to; its UPDATE carries the allowed
from-statuses in its WHERE clause, so a late or duplicate event changes nothing (rowcount 0) instead of moving a
row backwards. The SQL CHECK constraints and the OpenAPI enums are tested equal to the tuples below.

Adding a recipient status (e.g. 'delivered' after 'sent') is a table edit: append it to RECIPIENT_STATUSES, add
an event to RECIPIENT_EVENTS, and an Alembic revision that widens the CHECK constraint.
"""
from collections import namedtuple

CAMPAIGN_STATUSES = ("draft", "running", "paused", "cancelled", "completed")
RECIPIENT_STATUSES = ("pending", "sending", "sent", "failed", "unknown", "skipped")

# A recipient the runner may pick; one it has called the provider for; outcomes shown in reports and events.
CLAIMABLE = ("pending",)
IN_FLIGHT = ("sending",)
OUTCOMES = ("sent", "failed", "unknown", "skipped")
RETRYABLE = ("failed", "unknown")
# Campaign statuses a worker may run from, and those that are over for good.
STARTABLE = ("draft", "paused")
FINAL = ("cancelled", "completed")

Transition = namedtuple("Transition", "sources target")

CAMPAIGN_EVENTS = {
    "start": Transition(STARTABLE, "running"),
    "pause": Transition(("running",), "paused"),        # the user, auto-pause, storage, orphan repair
    "cancel": Transition(("draft", "running", "paused"), "cancelled"),
    "complete": Transition(("running",), "completed"),
    "reopen": Transition(("completed",), "paused"),     # retry after the end: the user resumes it
}

RECIPIENT_EVENTS = {
    "claim": Transition(CLAIMABLE, "sending"),           # committed before the provider is called
    "sent": Transition(IN_FLIGHT, "sent"),
    "failed": Transition(IN_FLIGHT, "failed"),
    "unknown": Transition(IN_FLIGHT, "unknown"),         # the provider may have taken it: never auto-resent
    "release": Transition(IN_FLIGHT, "pending"),         # certainly not taken (refused before sending, 429)
    "skip": Transition(CLAIMABLE, "skipped"),            # e.g. put on do-not-contact while the campaign ran
    "interrupt": Transition(IN_FLIGHT, "unknown"),       # crash recovery of an in-flight row
    "requeue": Transition(RETRYABLE, "pending"),         # only when the user asks
    "drop": Transition(IN_FLIGHT, "skipped"),            # the channel refused to send it (e.g. not on WhatsApp)
    "reconcile": Transition(IN_FLIGHT + ("unknown",), "sent"),  # an ack proves the provider has it
}

# What the provider reported after 'sent', in the `delivery` column: it only moves forward (a late 'delivered'
# after 'read' or a duplicate changes nothing). 'failed' is an error ack, possible before any receipt;
# 'undelivered' is a carrier's final word that the handset never got it (Twilio).
DELIVERY_FROM = {"delivered": (None,), "read": (None, "delivered"), "failed": (None, "delivered"),
                 "undelivered": (None,)}
DELIVERY_STATUSES = ("delivered", "read", "failed", "undelivered")
DELIVERY_ERROR_CODES = {"failed": "delivery_failed", "undelivered": "undelivered"}


def check_tables():
    """Every event goes between known statuses (run by the tests and at import)."""
    for statuses, events in ((CAMPAIGN_STATUSES, CAMPAIGN_EVENTS), (RECIPIENT_STATUSES, RECIPIENT_EVENTS)):
        for name, (sources, target) in events.items():
            assert target in statuses and set(sources) <= set(statuses), name


check_tables()


def allowed(events, event, status):
    """True when EVENT may move a row in STATUS."""
    return status in events[event].sources


def sql_in(values):
    """'(?,?,...)' for VALUES."""
    return "(%s)" % ",".join("?" * len(values))


def check_constraint(column, statuses):
    """The CHECK clause the schema uses for a status column (Alembic revisions build it from here)."""
    return "CHECK (%s IN (%s))" % (column, ", ".join("'%s'" % s for s in statuses))


def _update(conn, table, events, event, where, params, sets=(), set_params=()):
    """UPDATE TABLE to EVENT's target where WHERE holds and the status is one of its sources; rowcount."""
    sources, target = events[event]
    assignments = ", ".join(("status=?",) + tuple(sets))
    sql = "UPDATE %s SET %s WHERE (%s) AND status IN %s" % (table, assignments, where, sql_in(sources))
    return conn.execute(sql, [target, *set_params, *params, *sources]).rowcount


def campaign_event(conn, event, campaign_id, sets=(), set_params=(), where="true", params=()):
    """Apply a campaign EVENT to CAMPAIGN_ID (plus an extra WHERE, e.g. the run id); True when it moved."""
    return _update(conn, "campaigns", CAMPAIGN_EVENTS, event, "id=? AND (%s)" % where, [campaign_id, *params],
                   sets, set_params) == 1


def recipient_event(conn, event, where, params, sets=(), set_params=()):
    """Apply a recipient EVENT to the rows matching WHERE; how many moved."""
    return _update(conn, "campaign_recipients", RECIPIENT_EVENTS, event, where, params, sets, set_params)


# Campaign events, one function each (the caller owns the transaction).

def start_campaign(conn, campaign_id, run_id, ts, lease_until, lease_owner=None):
    """draft/paused -> running under RUN_ID, leased to LEASE_OWNER until LEASE_UNTIL."""
    return campaign_event(conn, "start", campaign_id,
                          ("run_id=?", "pause_reason=NULL", "started_at=COALESCE(started_at, ?)", "updated_at=?",
                           "lease_expires=?", "lease_owner=?", "resume_at=NULL"),
                          (run_id, ts, ts, lease_until, lease_owner))


def pause_campaign(conn, campaign_id, reason, ts, run_id=None, resume_at=None):
    """running -> paused with REASON (only this run's, when RUN_ID is given); RESUME_AT: when the runner resumes
    it by itself (an automatic pause that has an end), else the user resumes it."""
    where, params = ("run_id=?", (run_id,)) if run_id else ("true", ())
    return campaign_event(conn, "pause", campaign_id, ("pause_reason=?", "updated_at=?", "lease_expires=NULL",
                                                       "resume_at=?"), (reason[:500], ts, resume_at), where, params)


def cancel_campaign(conn, campaign_id, ts):
    """draft/running/paused -> cancelled, for good."""
    return campaign_event(conn, "cancel", campaign_id, ("pause_reason='user'", "updated_at=?", "finished_at=?",
                                                        "lease_expires=NULL"), (ts, ts))


def complete_campaign(conn, campaign_id, run_id, ts):
    """running -> completed, only for RUN_ID (any run: None, the team mode's workers) and only when nothing is
    pending or in flight."""
    waiting = CLAIMABLE + IN_FLIGHT
    run_where, run_params = ("run_id=?", (run_id,)) if run_id is not None else ("1=1", ())
    return campaign_event(conn, "complete", campaign_id, ("finished_at=?", "updated_at=?", "lease_expires=NULL"),
                          (ts, ts), run_where + " AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE "
                          "campaign_id=campaigns.id AND status IN %s)" % sql_in(waiting), (*run_params, *waiting))


def reopen_campaign(conn, campaign_id, ts):
    """completed -> paused (recipients were queued again)."""
    return campaign_event(conn, "reopen", campaign_id, ("finished_at=NULL", "updated_at=?"), (ts,))


# Recipient events, one function each (the caller owns the transaction).

def claim_recipient(conn, recipient_id, ts):
    """pending -> sending (attempts+1) before the provider is called; True when claimed."""
    return recipient_event(conn, "claim", "id=?", (recipient_id,),
                           ("attempts=attempts+1", "attempted_at=?", "error_code=NULL", "error=NULL"), (ts,)) == 1


def claim_for_worker(conn, recipient_id, worker_id, ts):
    """pending -> sending for team worker WORKER_ID (its lease decides when the row is orphaned); True if claimed."""
    return recipient_event(conn, "claim", "id=?", (recipient_id,), ("attempts=attempts+1", "attempted_at=?",
                                                                    "error_code=NULL", "error=NULL", "worker_id=?"),
                           (ts, worker_id)) == 1


def one_row(recipient_id, worker_id=None):
    """The WHERE clause of one recipient's event; with WORKER_ID, only while that team worker holds the row (a
    worker cut off and reaped must not record over a row that a retry gave to another worker)."""
    if worker_id is None:
        return "id=?", (recipient_id,)
    return "id=? AND worker_id=?", (recipient_id, worker_id)


def finish_recipient(conn, recipient_id, outcome, ts, provider_id=None, code=None, error=None, worker_id=None):
    """sending -> OUTCOME ('sent', 'failed' or 'unknown') with the provider id or the error."""
    assert outcome in ("sent", "failed", "unknown")
    # COALESCE: an id the app chose before sending (stored with the claim) stays when the channel returns none
    return recipient_event(conn, outcome, *one_row(recipient_id, worker_id),
                           ("provider_id=COALESCE(?, provider_id)", "error_code=?", "error=?", "finished_at=?"),
                           (provider_id, code, error, ts)) == 1


def drop_recipient(conn, recipient_id, code, error, ts, worker_id=None):
    """sending -> skipped: the channel refused to send to this recipient (nothing went out)."""
    return recipient_event(conn, "drop", *one_row(recipient_id, worker_id), ("error_code=?", "error=?", "finished_at=?"),
                           (code, error, ts)) == 1


def reconcile_recipients(conn, provider_id, ts):
    """sending/unknown -> sent for the rows carrying PROVIDER_ID (an ack proves the message left); how many."""
    # SET expressions read the row as it was: reconciled_at marks rows that were 'unknown' (a crash's doubt).
    return recipient_event(conn, "reconcile", "provider_id=?", (provider_id,),
                           ("error_code=NULL", "error=NULL", "finished_at=COALESCE(finished_at, ?)",
                            "reconciled_at=CASE WHEN status='unknown' THEN ? ELSE reconciled_at END"), (ts, ts))


def raise_delivery(conn, provider_id, delivery, ts, error=None):
    """Move the delivery of PROVIDER_ID's sent rows forward to DELIVERY (one of DELIVERY_STATUSES); how many."""
    sources = DELIVERY_FROM[delivery]
    allowed_sql = " OR ".join("delivery IS NULL" if s is None else "delivery='%s'" % s for s in sources)
    sets = ["delivery=?"]
    params = [delivery]
    if delivery in ("delivered", "read"):
        sets.append("delivered_at=COALESCE(delivered_at, ?)")
        params.append(ts)
    if delivery == "read":
        sets.append("read_at=COALESCE(read_at, ?)")
        params.append(ts)
    if delivery in DELIVERY_ERROR_CODES:
        sets += ["error_code='%s'" % DELIVERY_ERROR_CODES[delivery], "error=?", "delivery_error=?"]
        text = error or "The provider reported that the message could not be delivered."
        params += [text, text]
    sql = "UPDATE campaign_recipients SET %s WHERE provider_id=? AND status='sent' AND (%s)" % (
        ", ".join(sets), allowed_sql)
    return conn.execute(sql, params + [provider_id]).rowcount


def release_recipient(conn, recipient_id, code, error, worker_id=None):
    """sending -> pending: the provider certainly did not take it."""
    return recipient_event(conn, "release", *one_row(recipient_id, worker_id), ("error_code=?", "error=?"),
                           (code, error)) == 1


def skip_recipient(conn, recipient_id, code, error, ts):
    """pending -> skipped with the reason."""
    return recipient_event(conn, "skip", "id=?", (recipient_id,), ("error_code=?", "error=?", "finished_at=?"),
                           (code, error, ts)) == 1


INTERRUPTED = ("The app stopped while this message was being sent; it may or may not have been delivered.")


def interrupt_recipients(conn, ts, campaign_id=None):
    """Every in-flight row (of CAMPAIGN_ID, or all) -> unknown; how many."""
    where, params = ("campaign_id=?", (campaign_id,)) if campaign_id is not None else ("true", ())
    return recipient_event(conn, "interrupt", where, params, ("error_code='interrupted'", "error=?",
                                                               "finished_at=?"), (INTERRUPTED, ts))


WORKER_GONE = ("The worker sending this message stopped (its lease expired); it may or may not have been delivered.")


def interrupt_worker_rows(conn, ts, worker_id, campaign_id=None):
    """Team mode: WORKER_ID's in-flight rows (of CAMPAIGN_ID, or all) -> unknown (a stop that could not finish
    them); how many."""
    where, params = ("worker_id=? AND campaign_id=?", (worker_id, campaign_id)) if campaign_id is not None else \
        ("worker_id=?", (worker_id,))
    return recipient_event(conn, "interrupt", where, params, (
        "error_code='interrupted'", "error=?", "finished_at=?"), (WORKER_GONE, ts))


def interrupt_orphaned(conn, ts):
    """Team mode: in-flight rows whose worker has no row any more (reaped) -> unknown; how many."""
    return recipient_event(conn, "interrupt", "worker_id IS NOT NULL AND worker_id NOT IN (SELECT id FROM workers)",
                           (), ("error_code='interrupted'", "error=?", "finished_at=?"), (WORKER_GONE, ts))


def requeue_recipients(conn, campaign_id, statuses):
    """STATUSES (a subset of RETRYABLE) -> pending; how many."""
    assert set(statuses) <= set(RETRYABLE)
    return recipient_event(conn, "requeue", "campaign_id=? AND status IN %s" % sql_in(statuses),
                           (campaign_id, *statuses), ("error_code=NULL", "error=NULL", "finished_at=NULL"))


def initial_recipient_status(blocked):
    """The status a snapshotted recipient starts in (an INSERT, not a transition)."""
    return "skipped" if blocked else "pending"
