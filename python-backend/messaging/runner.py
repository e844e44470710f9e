"""Runs campaigns: one worker per running campaign, with up to N sends in flight, resumable after a crash.

While a run lasts, its worker (a dispatcher thread) is the only writer of its recipients' rows: it paces and claims
recipients ('sending' committed before any call), hands them to its send threads, and commits the outcomes
that have landed together in one transaction. Every way out of a worker leaves a state the UI can act on.
"""
import logging
import queue
import threading
import time
import uuid
import weakref

from . import attachments, audit, campaigns, channel_store, db, lease, ledger, pacing, states, storage
from . import channels
from .channels.base import FATAL, PERMANENT, RATE_LIMITED, SKIP, TRANSIENT, UNKNOWN
from .outcomes import FailureStreak, Sender
from core import errors
from core.errors import DomainError
from .util import loads

log = logging.getLogger("messaging.runner")
MAX_NAP = 1.0          # a waiting worker re-checks pause/cancel at least this often
MAX_BACKOFF = 600.0
# Sends in flight per campaign when the campaign does not choose (pacing.concurrency). The Cloud API answers
# in ~150-400 ms and allows 80 msg/s by default: 32 in flight reach that. Twilio queues what it accepts and
# limits concurrent API requests per account: 16 is well inside. SMTP servers count connections per client and
# treat many as abuse: 1. The dry run only appends to a local file, and with 16 in flight the ledger commits
# claims and outcomes in groups (one fsync for many rows) instead of three fsyncs per message.
DEFAULT_CONCURRENCY = {"whatsapp": 32, "twilio": 16, "smtp": 1, "dry_run": 16}
INVARIANT_EVERY = 15.0  # seconds between invariant checks while storage is fine
STORAGE_RETRY = 1.0     # seconds between probes while storage is full
OLD_WORKER_WAIT = 30.0  # a provider call times out well within this
# The audit action of a user's pause or cancel (written in the transaction that moves the campaign).
AUDITED_EVENTS = {"pause": "campaign.paused", "cancel": "campaign.cancelled"}


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

    max_nap = MAX_NAP  # the longest a waiting worker sleeps before it looks for a pause or cancel again

    def __init__(self, data_dir, clock=None, rng=None):
        self.data_dir, self.path = data_dir, db.db_path(data_dir)
        self.clock, self.rng = clock or RealClock(), rng
        self.runs, self.lock = {}, threading.Lock()
        self.held_lock = threading.Lock()  # guards held, storage_paused, monitor (stopping workers take it)
        # One recovery at a time: the timer and a user's start may both find space back at the same moment.
        self.recovery_lock = threading.RLock()
        self.storage = storage.StorageHealth(data_dir)
        self.held = []              # outcomes a full disk kept out of the ledger, written when it can
        self.storage_paused = {}    # campaign id -> reason, for pauses the disk could not record yet
        self.recovery_due = False   # start-up recovery could not write: run it when storage comes back
        self.closing = threading.Event()
        self.monitor = None

    def connect(self):
        """A fresh connection (each thread and each call uses its own)."""
        return db.connect(self.path)

    def alive(self, campaign_id):
        """The live Run of CAMPAIGN_ID in this process, or None."""
        run = self.runs.get(campaign_id)
        return run if run is not None and run.thread is not None and run.thread.is_alive() else None

    def start(self, campaign_id, actor=None):
        """Claim the campaign for a new run (idempotent: a second start while running starts nothing); ACTOR (a
        team user) is named in the audit log when it claimed."""
        self.ensure_storage()
        with self.lock:
            conn = self.connect()
            try:
                row = campaigns.campaign_row(conn, campaign_id)
                if row["status"] in states.FINAL:
                    raise DomainError("bad_state", "A %s campaign cannot be started." % row["status"], errors.CONFLICT)
                chosen = loads(row["options"], {}).get("attachment")
                if chosen:  # checked again at start: the file may have gone since the campaign was made
                    attachments.load(self.data_dir, chosen.get("id"))
                if self.alive(campaign_id) is not None:
                    if row["status"] == "running":
                        return {"started": False, "status": "running"}
                    self.wait_for_old_worker(campaign_id)
                run_id, ts = uuid.uuid4().hex, self.clock.time()
                claimed = self.claim(conn, campaign_id, run_id, ts, actor)
                if claimed:
                    self.spawn(campaign_id, run_id)
                return {"started": claimed, "status": "running"}
            finally:
                conn.close()

    def wait_for_old_worker(self, campaign_id, timeout=OLD_WORKER_WAIT):
        """A paused run may still be finishing its sends in flight: let it record them before a new run."""
        if not self.join(campaign_id, timeout):
            raise DomainError("still_stopping", "The campaign is still finishing the messages in flight; try again "
                              "in a moment.", errors.CONFLICT)

    def claim(self, conn, campaign_id, run_id, ts, actor):
        """Claim the campaign and write ACTOR's audit entry in one transaction (a draft is started, anything
        else resumed); True when claimed."""
        with db.transaction(conn):
            before = campaigns.campaign_row(conn, campaign_id)["status"]
            claimed = self.claim_campaign(conn, campaign_id, run_id, ts)
            if claimed:
                action = "campaign.started" if before == "draft" else "campaign.resumed"
                audit.record_by(conn, actor, action, "campaign", campaign_id, {"from": before})
        return claimed

    def claim_campaign(self, conn, campaign_id, run_id, ts):
        """Take the campaign's lease for RUN_ID (no worker of it is alive here; the caller owns the transaction):
        its in-flight rows become 'unknown' first, since whoever sent them is gone. True when claimed."""
        states.interrupt_recipients(conn, ts, campaign_id)
        if states.start_campaign(conn, campaign_id, run_id, ts, ts + lease.LEASE_SECONDS, lease.holder()):
            return True
        # Running in the file but no worker here (its thread died, or the start-up resume): take it over.
        return lease.take_over(conn, campaign_id, run_id, ts)

    def spawn(self, campaign_id, run_id):
        """Start the worker thread of a claimed run."""
        run = Run(campaign_id, run_id)
        run.thread = threading.Thread(target=Worker(self, run).main, name="campaign-%d" % campaign_id,
                                      daemon=True)
        self.runs[campaign_id] = run
        run.thread.start()
        self.ensure_monitor()  # invariant checks run while this manager has had campaigns to run

    def transition(self, campaign_id, event, apply, actor=None):
        """Run APPLY(conn, ts) for a campaign EVENT in a transaction, with ACTOR's audit entry when it moved;
        (the status afterwards, whether it moved)."""
        self.ensure_storage()
        conn = self.connect()
        try:
            row = campaigns.campaign_row(conn, campaign_id)
            if not states.allowed(states.CAMPAIGN_EVENTS, event, row["status"]):
                return row["status"], False
            with db.transaction(conn):
                moved = apply(conn, self.clock.time())
                if moved:
                    audit.record_by(conn, actor, AUDITED_EVENTS[event], "campaign", campaign_id)
            return campaigns.campaign_row(conn, campaign_id)["status"], moved
        finally:
            conn.close()

    def signal_stop(self, campaign_id):
        """Wake the worker so it notices a pause or cancel now."""
        run = self.runs.get(campaign_id)
        if run is not None:
            run.stop.set()

    def pause(self, campaign_id, reason="user", actor=None):
        """Pause a running campaign (the messages in flight complete and are recorded)."""
        status, moved = self.transition(campaign_id, "pause",
                                        lambda conn, ts: states.pause_campaign(conn, campaign_id, reason, ts), actor)
        if not moved and status != "paused":  # pausing twice is harmless
            raise DomainError("bad_state", "Only a running campaign can be paused (it is %s)." % status,
                              errors.CONFLICT)
        self.signal_stop(campaign_id)
        return {"status": status}

    def pause_until(self, campaign_id, reason, resume_at):
        """Pause a running campaign with REASON until RESUME_AT, when the monitor resumes it by itself."""
        status, _moved = self.transition(campaign_id, "pause", lambda conn, ts: states.pause_campaign(
            conn, campaign_id, reason, ts, resume_at=resume_at))
        self.signal_stop(campaign_id)
        self.ensure_monitor()
        return {"status": status}

    def cancel(self, campaign_id, actor=None):
        """Cancel a campaign for good; recipients not yet reached stay 'pending' in the report."""
        status, moved = self.transition(campaign_id, "cancel",
                                        lambda conn, ts: states.cancel_campaign(conn, campaign_id, ts), actor)
        if not moved:
            raise DomainError("bad_state", "A %s campaign cannot be cancelled." % status, errors.CONFLICT)
        self.signal_stop(campaign_id)
        return {"status": status}

    def retry(self, campaign_id, statuses, actor=None):
        """Queue failed (and, when asked, unknown) recipients again and run the campaign; ACTOR's audit entry goes
        in the requeue's transaction (the run it starts is part of the retry, not a separate start)."""
        if not statuses or set(statuses) - set(states.RETRYABLE):
            raise DomainError("bad_param", "'statuses' must list 'failed' and/or 'unknown'.")
        self.ensure_storage()
        conn = self.connect()
        try:
            with db.transaction(conn):
                row = campaigns.campaign_row(conn, campaign_id)
                if row["status"] in ("cancelled", "draft"):
                    raise DomainError("bad_state", "A %s campaign has nothing to retry." % row["status"],
                                      errors.CONFLICT)
            # What providers reported after a crash settles rows first: only what is still unknown is sent again.
            settled = self.settle(conn, campaign_id) if "unknown" in statuses else \
                {"reconciled": 0, "still_unknown": 0}
            with db.transaction(conn):
                count = ledger.requeue(conn, campaign_id, statuses)
                if count:
                    states.reopen_campaign(conn, campaign_id, self.clock.time())
                audit.record_by(conn, actor, "campaign.retried", "campaign", campaign_id,
                                {"statuses": statuses, "requeued": count})
        finally:
            conn.close()
        started = self.start(campaign_id)["started"] if count else False
        return {"requeued": count, "started": started, **settled}

    def settle(self, conn, campaign_id):
        """Reconcile the campaign's 'unknown' rows with what providers reported or answer when asked:
        {reconciled, still_unknown}."""
        from .receipts import sync

        return ledger.reconcile(conn, campaign_id, sync.lookup_unknown(conn, self.data_dir, campaign_id))

    def reconcile(self, campaign_id):
        """Settle the campaign's 'unknown' rows without retrying anything (what the retry dialog shows)."""
        self.ensure_storage()
        conn = self.connect()
        try:
            campaigns.campaign_row(conn, campaign_id)
            return self.settle(conn, campaign_id)
        finally:
            conn.close()

    def resume_interrupted(self):
        """At start-up: repair what a crash left (in-flight rows -> unknown) and resume 'running' campaigns.

        A full or read-only disk does not stop the app: it serves read-only and retries when space is back.
        """
        conn = self.connect()
        ids = []
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM campaigns WHERE status='running'")]
            # A real write first: an idle start may write nothing, and a full disk must not look healthy.
            found = self.storage.probe()
            if found != storage.OK:
                return self.start_read_only(found, ids)
            if conn.execute("SELECT 1 FROM campaigns WHERE status='paused' AND resume_at IS NOT NULL").fetchone():
                self.ensure_monitor()  # an automatic pause with an end: the timer resumes it
            recovered = self.interrupt_orphan_rows(conn)
            log.info("start-up: %d in-flight recipient(s) marked unknown; resuming %d campaign(s)", recovered,
                     len(ids))
            for campaign_id in ids:
                self.start(campaign_id)
            self.recovery_due = False
            return ids
        except Exception as err:
            if storage.classify(err) is None:
                raise
            return self.start_read_only(err, ids)
        finally:
            conn.close()

    def start_read_only(self, err_or_state, ids):
        """Serve read-only after a start-up that could not write: campaigns RUNNING show as paused and resume,
        with the crash repair, once the disk takes writes again (the timer checks). Returns []."""
        self.storage.report(err_or_state, "Started read-only: campaigns resume once the disk can be written.")
        self.recovery_due = True
        self.ensure_monitor()
        with self.held_lock:  # shown as paused (the file cannot say so yet), resumed when space is back
            self.storage_paused.update((campaign_id, self.storage.state) for campaign_id in ids)
        log.error("start-up recovery could not write (%s): serving read-only", err_or_state)
        return []

    def interrupt_orphan_rows(self, conn):
        """Rows left 'sending' by a run that is gone (a crash, a kill) become 'unknown'; how many."""
        count = 0
        for campaign_id in ledger.in_flight_elsewhere(conn):
            if self.alive(campaign_id) is None:
                with db.transaction(conn):
                    count += states.interrupt_recipients(conn, self.clock.time(), campaign_id)
        return count

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
        """Stop every worker: sends in flight finish and are recorded; campaigns stay 'running' in the file,
        so the next start resumes them."""
        self.closing.set()
        for run in list(self.runs.values()):
            run.stop.set()
        for run in list(self.runs.values()):
            if run.thread is not None:
                run.thread.join(timeout)

    # Storage and invariants ---------------------------------------------------------------------------

    def storage_failed(self, campaign_id, err, outcomes):
        """A worker hit a full or broken disk: keep its unrecorded OUTCOMES and its pause for later."""
        state = self.storage.report(err)
        with self.held_lock:
            self.held.extend(outcomes)
            self.storage_paused[campaign_id] = state
        log.error("campaign %d: storage failure (%s): paused with %s", campaign_id, err, state)
        self.ensure_monitor()

    def note_storage_error(self, err):
        """A request could not write: record the state and watch for space coming back."""
        self.storage.report(err)
        self.ensure_monitor()

    def overlay(self, campaign_id):
        """(status, reason) a pause the disk has not recorded yet puts on top of the file, or None."""
        reason = self.storage_paused.get(campaign_id)
        return ("paused", reason) if reason else None

    def ensure_monitor(self):
        """Start the invariant and storage timer once (it holds the manager weakly: a dropped app stops it)."""
        with self.held_lock:
            if self.monitor is None or not self.monitor.is_alive():
                self.monitor = threading.Thread(target=watch, args=(weakref.ref(self), self.closing),
                                                name="campaign-monitor", daemon=True)
                self.monitor.start()

    def next_check_in(self):
        """Seconds until the timer's next look: soon while storage is bad, else the invariant period."""
        return STORAGE_RETRY if not self.storage.ok() or self.held or self.storage_paused else INVARIANT_EVERY

    def tick(self):
        """One look of the timer: retry storage while it is bad, check the invariants while it is fine."""
        try:
            if not self.storage.ok() or self.held or self.storage_paused:
                self.try_storage_recovery()
            else:
                self.check_invariants()
                self.resume_due()
        except Exception:  # the timer must outlive any single failure
            log.exception("campaign monitor: check failed")

    def ensure_storage(self):
        """Refuse with 507 while storage is bad, after one real try to recover: the user may just have freed space
        and should not have to wait for the timer's next look (nor need a timer at all after a read-only start)."""
        if not self.storage.ok():
            self.try_storage_recovery()
        self.storage.refuse_if_bad()

    def try_storage_recovery(self):
        """When a real write works again: record held outcomes and pauses, then resume what storage paused."""
        with self.recovery_lock:
            return self.recover_storage()

    def recover_storage(self):
        """try_storage_recovery's work, under its lock."""
        if self.storage.ok() and not self.held and not self.storage_paused:
            return True  # another thread recovered while this one waited for the lock
        if self.storage.probe() != storage.OK:
            return False
        conn = self.connect()
        try:
            with self.held_lock:
                held, paused = list(self.held), dict(self.storage_paused)
            with db.transaction(conn):
                for outcome in held:
                    ledger.apply_outcome(conn, outcome)
                for campaign_id, reason in paused.items():
                    states.pause_campaign(conn, campaign_id, reason, self.clock.time())
            with self.held_lock:
                del self.held[:len(held)]
                for campaign_id in paused:
                    self.storage_paused.pop(campaign_id, None)
        except Exception as err:
            if storage.classify(err) is None:
                raise
            return False
        finally:
            conn.close()
        self.storage.clear()
        log.info("storage writable again: %d outcome(s) recorded, resuming %d campaign(s)", len(held), len(paused))
        if self.recovery_due:
            self.resume_interrupted()
        self.resume_storage_paused()
        return True

    def resume_storage_paused(self):
        """Resume campaigns paused by storage (never those the user or the runner paused for other reasons)."""
        conn = self.connect()
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM campaigns WHERE status='paused' AND pause_reason IN "
                                              "(?, ?)", (storage.FULL, storage.ERROR))]
        finally:
            conn.close()
        self.resume_each(ids, "storage came back")

    def resume_due(self):
        """Resume campaigns whose automatic pause has ended (resume_at has come); the ids resumed."""
        conn = self.connect()
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM campaigns WHERE status='paused' AND resume_at IS NOT "
                                              "NULL AND resume_at<=?", (self.clock.time(),))]
        finally:
            conn.close()
        return self.resume_each(ids, "its pause ended")

    def resume_each(self, ids, why):
        """Start each paused campaign of IDS again (one that cannot start is logged, not raised); IDS."""
        for campaign_id in ids:
            try:
                self.start(campaign_id)
            except DomainError as err:
                log.warning("campaign %d: could not resume after %s: %s", campaign_id, why, err.message)
        return ids

    def check_invariants(self):
        """Repair and log orphan states: 'running' with no live worker (-> paused), 'sending' rows with no
        worker sending them (-> unknown). Returns what was repaired."""
        repaired = {"orphan_campaigns": [], "stuck_rows": 0}
        conn = self.connect()
        try:
            with self.lock:  # start() claims and spawns under this lock: no half-started run is seen
                for (campaign_id,) in conn.execute("SELECT id FROM campaigns WHERE status='running'").fetchall():
                    if self.alive(campaign_id) is None and campaign_id not in self.storage_paused:
                        with db.transaction(conn):
                            if states.pause_campaign(conn, campaign_id, "worker_stopped", self.clock.time()):
                                repaired["orphan_campaigns"].append(campaign_id)
                repaired["stuck_rows"] = self.interrupt_orphan_rows(conn)
        finally:
            conn.close()
        if repaired["orphan_campaigns"] or repaired["stuck_rows"]:
            log.warning("invariant check repaired %s", repaired)
        return repaired


class Worker:
    """The dispatcher of one run: pace, claim, hand out sends, record outcomes in groups."""

    sender_class = Sender

    def __init__(self, manager, run):
        self.manager, self.run, self.clock = manager, run, manager.clock
        self.campaign_id, self.conn = run.campaign_id, None
        self.results = queue.Queue()
        self.in_flight = {}
        self.renewed = 0.0
        self.unrecorded = []
        self.paused_itself = False
        self.next_wake = None

    def main(self):
        """Thread entry: run until done, paused, cancelled or stopped; never leave an orphan state."""
        self.conn = self.manager.connect()
        self.sender = None
        try:
            if self.setup(campaigns.campaign_row(self.conn, self.campaign_id)):
                self.loop()
        except Exception as err:
            self.stop_after(err)
        finally:
            if self.sender is not None:
                self.sender.close()
            self.conn.close()

    def setup(self, campaign):
        """Rules, pacer (with the stored pacing state), failure streak and the send threads; False when the
        channel cannot be built (the campaign is then paused with the reason)."""
        self.campaign = campaign
        self.rules = pacing.Pacing(**loads(campaign["pacing"], {}))
        channel_type = self.conn.execute("SELECT type FROM channels WHERE id=?",
                                         (campaign["channel_id"],)).fetchone()[0]
        self.concurrency = self.concurrency_for(channel_type)
        channel_class = channels.REGISTRY.get(channel_type)
        self.new_id = channel_class.new_message_id if channel_class is not None and channel_class.ASSIGNS_IDS \
            else None
        self.auto_pause = None  # (reason, resume_at) asked for by a send error
        self.pacer = pacing.Pacer(self.local_rules(), self.manager.rng, burst=self.concurrency)
        if self.rules.warmup:
            linked = self.conn.execute("SELECT linked_at FROM wa_links WHERE channel_id=?",
                                       (campaign["channel_id"],)).fetchone()
            self.pacer.warmup = (linked[0] if linked else None,
                                 ledger.nth_latest_channel_attempt(self.conn, campaign["channel_id"]))
        self.last_send, self.count = campaign["pace_last_send"], campaign["pace_count"] or 0
        self.nth_latest = ledger.nth_latest_attempt(self.conn, self.campaign_id)
        self.streak = FailureStreak(self.rules.max_consecutive_failures, self.rules.failure_streak_seconds)
        try:  # build the channel once up front, so a broken one pauses the campaign before any claim
            secret_values = channel_store.channel_secrets(self.conn, campaign["channel_id"], self.manager.data_dir)
            channel_store.open_channel(self.conn, campaign["channel_id"], self.manager.data_dir,
                                       loads(campaign["options"], {}), secret_values).close()
        except DomainError as err:
            self.pause("channel_error: " + err.message)
            return False
        # The send threads reuse these secrets: one keychain read per run, not one per thread.
        self.sender = self.sender_class(self.manager, campaign, self.concurrency, self.results, self.clock,
                                        secret_values)
        return True

    def concurrency_for(self, channel_type):
        """Sends in flight: the campaign's choice, else the channel type's default."""
        return self.rules.concurrency or DEFAULT_CONCURRENCY.get(channel_type, 1)

    def local_rules(self):
        """The pacing rules this run's own pacer applies (all of them here; the team mode's rate is global)."""
        return self.rules

    def stop_after(self, err):
        """Leave a state the UI can act on after ERR: storage failures pause with storage_*, others with
        internal_error; sends in flight are awaited and recorded first."""
        outcomes = self.unrecorded + self.drain_all()
        if storage.classify(err) is not None:
            self.manager.storage_failed(self.campaign_id, err, outcomes)
            return
        log.exception("campaign %d: worker stopped by an unexpected error", self.campaign_id, exc_info=err)
        try:
            ledger.record_outcomes(self.conn, outcomes)
            ledger.recover(self.conn, self.campaign_id)
            self.pause("internal_error: " + type(err).__name__)
        except Exception as again:
            if storage.classify(again) is None:
                raise
            self.manager.storage_failed(self.campaign_id, again, outcomes)

    def still_mine(self):
        """True while the campaign is running under this run (and its lease renewed now and then)."""
        ts = self.clock.time()
        if ts - self.renewed >= lease.RENEW_EVERY:
            with db.transaction(self.conn):
                if not lease.renew(self.conn, self.campaign_id, self.run.run_id, ts):
                    return False
            self.renewed = ts
        row = self.conn.execute("SELECT status, run_id FROM campaigns WHERE id=?", (self.campaign_id,)).fetchone()
        return row is not None and row["status"] == "running" and row["run_id"] == self.run.run_id

    def loop(self):
        """Claim and hand out sends while slots are free, record outcomes as they land."""
        while True:
            self.record(self.take_results(block=False))
            if self.run.stop.is_set() or self.paused_itself or not self.still_mine():
                break
            if self.streak.expired(self.clock.time()):
                self.pause(self.streak.reason())
                break
            progressed = self.dispatch()
            if progressed is None:  # nothing pending and nothing in flight
                self.complete()
                break
            if not progressed:
                self.wait()
        self.record(self.drain_all())

    def dispatch(self):
        """Claim what pacing allows into free slots; how many started, or None when the campaign is done."""
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            return 0
        rows = ledger.next_pending(self.conn, self.campaign_id, free)
        if not rows:
            return None if not self.in_flight else 0
        self.next_wake = None
        chosen = self.pace(rows)
        if not chosen:
            return 0 if self.next_wake is not None else 1  # all skipped (do-not-contact): look again now
        ts = self.clock.time()
        claimed = ledger.claim_many(self.conn, self.campaign_id, self.run.run_id, [r["id"] for r in chosen],
                                    ts, (self.last_send, self.count), self.new_id)
        for row in chosen:
            if row["id"] in claimed:
                row = dict(row, provider_id=claimed[row["id"]])
                self.in_flight[row["id"]] = row
                self.sender.submit(row)
        return len(claimed)

    def pace(self, rows):
        """The prefix of ROWS that may go now (do-not-contact rows are skipped on the way)."""
        chosen, taken = [], []
        nth_latest = with_recent(self.nth_latest, taken)
        for row in rows:
            now = self.clock.time()
            when, reason = self.pacer.next_time(now, self.last_send, self.count, nth_latest)
            if when > now:
                self.run.waiting = {"until": when, "reason": reason}
                self.next_wake = when
                break
            if campaigns.check_dnc_now(self.conn, row):
                ledger.skip(self.conn, row["id"], "do_not_contact", "On the do-not-contact list.")
                continue
            self.run.waiting = {"until": None, "reason": None}
            self.last_send, self.count = now, self.count + 1
            self.pacer.sent(now)
            taken.append(now)
            chosen.append(row)
        return chosen

    def wait(self):
        """Nothing to start now: wait for a send to finish, or nap toward the next allowed time."""
        now = self.clock.time()
        until = self.next_wake if self.next_wake is not None else now + MAX_NAP
        if self.in_flight:  # a landing outcome frees a slot; a token may come first
            self.record(self.take_results(block=True, timeout=min(max(until - now, 0.001), MAX_NAP)))
            return
        self.clock.sleep(min(max(until - now, 0.0), self.manager.max_nap), self.run.stop)

    def take_results(self, block, timeout=MAX_NAP):
        """Outcomes that have landed (waiting up to TIMEOUT for the first one when BLOCK)."""
        found = []
        try:
            found.append(self.results.get(timeout=timeout) if block else self.results.get_nowait())
            while True:
                found.append(self.results.get_nowait())
        except queue.Empty:
            pass
        return found

    def drain_all(self):
        """Wait for every send in flight and return their outcomes (shutdown, pause, errors)."""
        found = []
        while self.in_flight and len(found) < len(self.in_flight):
            found.extend(self.take_results(block=True))
        for outcome in found:
            self.in_flight.pop(outcome.recipient_id, None)
        return found

    def record(self, outcomes):
        """Apply the runner's policy to landed OUTCOMES and commit them together."""
        if not outcomes:
            return
        for outcome in outcomes:
            self.in_flight.pop(outcome.recipient_id, None)
            self.apply_policy(outcome)
        self.unrecorded = list(outcomes)
        ledger.record_outcomes(self.conn, outcomes, self.holder())
        self.unrecorded = []
        if self.auto_pause is not None:
            self.pause(*self.auto_pause)
        elif self.streak.tripped():
            self.pause(self.streak.reason())

    def holder(self):
        """Who must still hold a row for its outcome to be recorded: nobody here (the run's lease guards the
        desktop); a team worker's id in team runs."""
        return None

    def apply_policy(self, outcome):
        """Decide the row's status for a send error (retry later, failed, unknown, pause) and count failures."""
        err, now = outcome.error_obj, self.clock.time()
        if err is None:
            self.streak.success()
            return
        attempts = outcome.attempts
        if err.pause_until is not None:  # e.g. WhatsApp's 429/463: stop the whole campaign until that time
            outcome.status = "pending"
            self.auto_pause = (err.message, err.pause_until)
            return
        if err.kind == SKIP:  # not sent and must not be (not on WhatsApp): no failure
            outcome.status = "skipped"
            return
        if err.kind == RATE_LIMITED:
            outcome.status = "pending"
            self.pacer.hold_until(now + min(err.retry_after or 1.0, MAX_BACKOFF))
            return
        self.streak.failure(now, err.message)
        if err.kind == TRANSIENT and attempts < self.rules.max_attempts:
            outcome.status = "pending"
            backoff = err.retry_after or self.rules.retry_backoff * 2 ** (attempts - 1)
            self.pacer.hold_until(now + min(backoff, MAX_BACKOFF))
        elif err.kind == FATAL:
            outcome.status = "pending"
            self.streak.force(pause_reason(err))
        else:
            assert err.kind in (UNKNOWN, PERMANENT, TRANSIENT)
            outcome.status = "unknown" if err.kind == UNKNOWN else "failed"
            if err.pause:
                self.auto_pause = (err.message, None)

    def complete(self):
        """Mark the campaign completed, only if nothing is pending or in flight. Nothing of this run is in
        flight here, so a row still 'sending' was left by a run that is gone: it becomes 'unknown' first."""
        with db.transaction(self.conn):
            states.interrupt_recipients(self.conn, self.clock.time(), self.campaign_id)
            states.complete_campaign(self.conn, self.campaign_id, self.run.run_id, self.clock.time())

    def pause(self, reason, resume_at=None):
        """Pause this run's campaign with REASON (auto-pause; until RESUME_AT when given) and stop claiming."""
        log.warning("campaign %d: paused (%s)", self.campaign_id, reason)
        with db.transaction(self.conn):
            states.pause_campaign(self.conn, self.campaign_id, reason, self.clock.time(), self.run.run_id, resume_at)
        self.paused_itself = True
        if resume_at is not None:
            self.manager.ensure_monitor()


def watch(manager_ref, closing):
    """The timer thread: tick the manager behind MANAGER_REF until CLOSING is set or the manager is gone."""
    while not closing.is_set():
        manager = manager_ref()
        if manager is None:
            return
        delay = manager.next_check_in()
        del manager  # hold no reference while waiting
        if closing.wait(delay):
            return
        manager = manager_ref()
        if manager is None:
            return
        manager.tick()
        del manager


def pause_reason(err):
    """The pause reason for a FATAL send error: its message when it starts with its own 'code:' (a stable word the
    UI can act on, e.g. wa_logged_out), else 'channel_error: ' and the message."""
    first = err.message.split(" ", 1)[0]
    return err.message if first.endswith(":") and first[:-1].replace("_", "").isalnum() else \
        "channel_error: " + err.message


def with_recent(nth_latest, recent):
    """NTH_LATEST over the ledger plus RECENT attempt times not committed yet (a batch being claimed)."""
    def combined(since, k):
        inside = sorted(t for t in recent if t > since)
        if len(inside) >= k:
            return inside[-k]
        return nth_latest(since, k - len(inside))
    return combined
