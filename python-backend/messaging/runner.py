"""Runs campaigns: one worker thread per running campaign, started at most once, resumable after a crash."""
import logging
import threading
import time
import uuid

from . import campaigns, channel_store, db, ledger, pacing
from .channels.base import (
    FATAL,
    PERMANENT,
    RATE_LIMITED,
    TRANSIENT,
    UNKNOWN,
    Message,
    SendError,
)
from core import errors
from core.errors import DomainError
from .util import loads

log = logging.getLogger("messaging.runner")
MAX_NAP = 1.0          # a waiting worker re-checks pause/cancel at least this often
MAX_BACKOFF = 600.0


class RealClock:
    """Wall-clock time; sleeping ends early when the run is stopped."""

    def time(self):
        """Seconds since the epoch."""
        return time.time()

    def sleep(self, seconds, stop):
        """Wait SECONDS or until STOP is set."""
        stop.wait(max(0.0, seconds))


class Run:
    """A live worker: its thread, its stop signal and what it is waiting for."""

    def __init__(self, campaign_id, run_id):
        self.campaign_id, self.run_id = campaign_id, run_id
        self.stop = threading.Event()
        self.thread = None
        self.waiting = {"until": None, "reason": None}


class CampaignManager:
    """Starts, pauses, cancels, retries and resumes campaign runs of one data directory."""

    def __init__(self, data_dir, clock=None, rng=None):
        self.data_dir, self.path = data_dir, db.db_path(data_dir)
        self.clock, self.rng = clock or RealClock(), rng
        self.runs, self.lock = {}, threading.Lock()

    def connect(self):
        """A fresh connection (each thread and each call uses its own)."""
        return db.connect(self.path)

    def alive(self, campaign_id):
        """The live Run of CAMPAIGN_ID in this process, or None."""
        run = self.runs.get(campaign_id)
        return run if run is not None and run.thread is not None and run.thread.is_alive() else None

    def start(self, campaign_id):
        """Claim the campaign for a new run (idempotent: a second start while running starts nothing)."""
        with self.lock:
            conn = self.connect()
            try:
                row = campaigns.campaign_row(conn, campaign_id)
                if row["status"] in ("cancelled", "completed"):
                    raise DomainError("bad_state", "A %s campaign cannot be started." % row["status"], errors.CONFLICT)
                run_id = uuid.uuid4().hex
                with db.transaction(conn):
                    claimed = conn.execute(
                        "UPDATE campaigns SET status='running', run_id=?, pause_reason=NULL, "
                        "started_at=COALESCE(started_at, ?), updated_at=? WHERE id=? AND status IN ('draft','paused')",
                        (run_id, self.clock.time(), self.clock.time(), campaign_id)).rowcount == 1
                if not claimed and self.alive(campaign_id) is None:
                    # Running in the DB but no worker here (e.g. its thread died): take it over.
                    claimed = self.take_over(conn, campaign_id, run_id)
                if claimed:
                    self.spawn(campaign_id, run_id)
                return {"started": claimed, "status": "running"}
            finally:
                conn.close()

    def take_over(self, conn, campaign_id, run_id):
        """Re-own a 'running' campaign with no live worker, recovering its in-flight recipients first."""
        ledger.recover(conn, campaign_id)
        with db.transaction(conn):
            return conn.execute("UPDATE campaigns SET run_id=? WHERE id=? AND status='running'",
                                (run_id, campaign_id)).rowcount == 1

    def spawn(self, campaign_id, run_id):
        """Start the worker thread of a claimed run."""
        run = Run(campaign_id, run_id)
        run.thread = threading.Thread(target=Worker(self, run).main, name="campaign-%d" % campaign_id,
                                      daemon=True)
        self.runs[campaign_id] = run
        run.thread.start()

    def set_status(self, campaign_id, status, allowed, reason=None, finished=False):
        """Move a campaign to STATUS if it is in ALLOWED; returns its status afterwards."""
        conn = self.connect()
        try:
            row = campaigns.campaign_row(conn, campaign_id)
            with db.transaction(conn):
                conn.execute("UPDATE campaigns SET status=?, pause_reason=?, updated_at=?, finished_at=CASE WHEN ? "
                             "THEN ? ELSE finished_at END WHERE id=? AND status IN (%s)"
                             % ",".join("?" * len(allowed)),
                             [status, reason, self.clock.time(), finished, self.clock.time(), campaign_id] +
                             list(allowed))
            return campaigns.campaign_row(conn, campaign_id)["status"] if row else None
        finally:
            conn.close()

    def signal_stop(self, campaign_id):
        """Wake the worker so it notices a pause or cancel now."""
        run = self.runs.get(campaign_id)
        if run is not None:
            run.stop.set()

    def pause(self, campaign_id, reason="user"):
        """Pause a running campaign (the message in flight, if any, completes and is recorded)."""
        status = self.set_status(campaign_id, "paused", ("running",), reason)
        if status not in ("paused",):
            raise DomainError("bad_state", "Only a running campaign can be paused (it is %s)." % status, errors.CONFLICT)
        self.signal_stop(campaign_id)
        return {"status": status}

    def cancel(self, campaign_id):
        """Cancel a campaign for good; recipients not yet reached stay 'pending' in the report."""
        status = self.set_status(campaign_id, "cancelled", ("draft", "running", "paused"), "user", finished=True)
        if status != "cancelled":
            raise DomainError("bad_state", "A %s campaign cannot be cancelled." % status, errors.CONFLICT)
        self.signal_stop(campaign_id)
        return {"status": status}

    def retry(self, campaign_id, statuses):
        """Queue failed (and, when asked, unknown) recipients again and run the campaign."""
        if not statuses or set(statuses) - set(ledger.RETRYABLE):
            raise DomainError("bad_param", "'statuses' must list 'failed' and/or 'unknown'.")
        conn = self.connect()
        try:
            with db.transaction(conn):
                row = campaigns.campaign_row(conn, campaign_id)
                if row["status"] in ("cancelled", "draft"):
                    raise DomainError("bad_state", "A %s campaign has nothing to retry." % row["status"], errors.CONFLICT)
                count = ledger.requeue(conn, campaign_id, statuses)
                if count and row["status"] == "completed":
                    conn.execute("UPDATE campaigns SET status='paused', finished_at=NULL WHERE id=?", (campaign_id,))
        finally:
            conn.close()
        started = self.start(campaign_id)["started"] if count else False
        return {"requeued": count, "started": started}

    def resume_interrupted(self):
        """At startup: campaigns left 'running' get their 'sending' recipients marked unknown, then resume."""
        conn = self.connect()
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM campaigns WHERE status='running'")]
            for campaign_id in ids:
                recovered = ledger.recover(conn, campaign_id)
                log.info("campaign %d: resuming after restart (%d in-flight marked unknown)", campaign_id, recovered)
                run_id = uuid.uuid4().hex
                with db.transaction(conn):
                    conn.execute("UPDATE campaigns SET run_id=? WHERE id=?", (run_id, campaign_id))
                with self.lock:
                    self.spawn(campaign_id, run_id)
            return ids
        finally:
            conn.close()

    def waiting(self, campaign_id):
        """What the worker is waiting for ({until, reason}), when it is alive."""
        run = self.alive(campaign_id)
        return dict(run.waiting) if run else {"until": None, "reason": None}

    def join(self, campaign_id, timeout=None):
        """Wait for the worker of CAMPAIGN_ID to exit (tests, shutdown)."""
        run = self.runs.get(campaign_id)
        if run is not None and run.thread is not None:
            run.thread.join(timeout)
        return self.alive(campaign_id) is None

    def shutdown(self, timeout=5.0):
        """Stop every worker (campaigns stay 'running' in the DB, so the next start resumes them)."""
        for run in list(self.runs.values()):
            run.stop.set()
        for run in list(self.runs.values()):
            if run.thread is not None:
                run.thread.join(timeout)


class Worker:
    """The loop of one run: pick, pace, claim, send, record."""

    def __init__(self, manager, run):
        self.manager, self.run, self.clock = manager, run, manager.clock
        self.campaign_id, self.conn = run.campaign_id, None
        self.consecutive_failures = 0
        self.sent_in_run = 0
        self.last_send = None

    def main(self):
        """Thread entry: run until done, paused, cancelled or stopped; never die silently."""
        self.conn = self.manager.connect()
        channel = None
        try:
            campaign = campaigns.campaign_row(self.conn, self.campaign_id)
            self.rules = pacing.Pacing(**loads(campaign["pacing"], {}))
            self.pacer = pacing.Pacer(self.rules, self.manager.rng)
            self.nth_latest = ledger.nth_latest_attempt(self.conn, self.campaign_id)
            channel = self.open_channel(campaign)
            if channel is not None:
                self.loop(campaign, channel)
        except Exception:
            log.exception("campaign %d: worker stopped by an unexpected error", self.campaign_id)
            ledger.recover(self.conn, self.campaign_id)
            self.pause("internal_error")
        finally:
            if channel is not None:
                channel.close()
            self.conn.close()

    def open_channel(self, campaign):
        """The campaign's channel, or None after pausing the campaign with the reason."""
        try:
            return channel_store.open_channel(self.conn, campaign["channel_id"], self.manager.data_dir,
                                              loads(campaign["options"], {}))
        except DomainError as err:
            self.pause("channel_error: " + err.message)
            return None

    def still_mine(self):
        """True while the campaign is running under this run."""
        row = self.conn.execute("SELECT status, run_id FROM campaigns WHERE id=?", (self.campaign_id,)).fetchone()
        return row is not None and row["status"] == "running" and row["run_id"] == self.run.run_id

    def loop(self, campaign, channel):
        """Send to pending recipients one at a time until none are left or the run is stopped."""
        while not self.run.stop.is_set() and self.still_mine():
            recipient = ledger.next_pending(self.conn, self.campaign_id)
            if recipient is None:
                self.complete()
                return
            if self.wait_for_slot():
                continue
            if campaigns.check_dnc_now(self.conn, recipient):
                ledger.skip(self.conn, recipient["id"], "do_not_contact", "On the do-not-contact list.")
                continue
            self.send_one(campaign, channel, recipient)
            if self.consecutive_failures >= self.rules.max_consecutive_failures:
                self.pause("consecutive_failures")
                return

    def wait_for_slot(self):
        """Nap toward the next allowed send time; True if the caller should look again first."""
        now = self.clock.time()
        when, reason = self.pacer.next_time(now, self.last_send, self.sent_in_run, self.nth_latest)
        if when <= now:
            self.run.waiting = {"until": None, "reason": None}
            return False
        self.run.waiting = {"until": when, "reason": reason}
        self.clock.sleep(min(when - now, MAX_NAP), self.run.stop)
        return True

    def send_one(self, campaign, channel, recipient):
        """Claim one recipient, call the provider, record the outcome."""
        subject, body, params = campaigns.render_for(campaign, recipient)
        now = self.clock.time()
        if not ledger.claim(self.conn, self.campaign_id, self.run.run_id, recipient["id"], now):
            return
        self.last_send, self.sent_in_run = now, self.sent_in_run + 1
        self.pacer.sent()
        try:
            provider_id = channel.send(Message(to=recipient["address"], body=body, subject=subject,
                                               name=recipient["name"], params=params))
        except SendError as err:
            self.record_error(recipient, err)
            return
        except Exception as err:  # a bug in a channel must not leave the recipient looking unsent
            log.exception("campaign %d: channel raised unexpectedly", self.campaign_id)
            ledger.finish(self.conn, recipient["id"], "unknown", code="internal_error", error=type(err).__name__,
                          ts=self.clock.time())
            self.consecutive_failures += 1
            return
        ledger.finish(self.conn, recipient["id"], "sent", provider_id=provider_id, ts=self.clock.time())
        self.consecutive_failures = 0

    def record_error(self, recipient, err):
        """Apply the runner's policy for one classified send error."""
        now = self.clock.time()
        if err.kind == RATE_LIMITED:
            ledger.release(self.conn, recipient["id"], err.code, err.message)
            self.pacer.hold_until(now + min(err.retry_after or 1.0, MAX_BACKOFF))
        elif err.kind == TRANSIENT and recipient["attempts"] + 1 < self.rules.max_attempts:
            ledger.release(self.conn, recipient["id"], err.code, err.message)
            backoff = err.retry_after or self.rules.retry_backoff * 2 ** recipient["attempts"]
            self.pacer.hold_until(now + min(backoff, MAX_BACKOFF))
        elif err.kind == FATAL:
            ledger.release(self.conn, recipient["id"], err.code, err.message)
            self.pause("channel_error: " + err.message)
            self.run.stop.set()
        else:
            status = "unknown" if err.kind == UNKNOWN else "failed"
            assert err.kind in (UNKNOWN, PERMANENT, TRANSIENT)
            ledger.finish(self.conn, recipient["id"], status, code=err.code, error=err.message, ts=now)
            self.consecutive_failures += 1

    def complete(self):
        """Mark the campaign completed, only if nothing is pending or in flight."""
        with db.transaction(self.conn):
            self.conn.execute(
                "UPDATE campaigns SET status='completed', finished_at=?, updated_at=? WHERE id=? AND status='running' "
                "AND run_id=? AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id=? AND status IN "
                "('pending','sending'))", (self.clock.time(), self.clock.time(), self.campaign_id, self.run.run_id,
                                           self.campaign_id))

    def pause(self, reason):
        """Pause this run's campaign with REASON (auto-pause)."""
        log.warning("campaign %d: paused (%s)", self.campaign_id, reason.split(":")[0])
        with db.transaction(self.conn):
            self.conn.execute("UPDATE campaigns SET status='paused', pause_reason=?, updated_at=? WHERE id=? AND "
                              "status='running' AND run_id=?", (reason[:500], self.clock.time(), self.campaign_id,
                                                                self.run.run_id))
