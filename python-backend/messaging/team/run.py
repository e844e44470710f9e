"""One campaign run inside a team worker: the desktop runner's Worker with the team's claim, budget and end.

What changes from runner.Worker: rows are claimed in batches with this worker's id and a slot of the channel's
shared budget (claims.py); the rate is the budget's, so the run's own pacer keeps only delays, caps, quiet
hours and back-off; the run goes on while the campaign is 'running' and this worker's lease holds (several
workers run the same campaign at once, so there is no run id to own); the campaign completes, once, when no
row is pending or sending any more, whoever sees it first.
"""
import dataclasses
import logging
import time

from .. import db, ledger, states
from ..outcomes import Sender
from ..util import loads
from ..runner import Worker, with_recent
from . import budget, claims, registry

log = logging.getLogger("messaging.team")
UNLIMITED_PER_MINUTE = 10**6  # the run's own pacer: the rate is the channel budget's
LATE = 0.05  # seconds behind its slot after which a send takes a new one


class SlotSender(Sender):
    """Send threads that wait for the budget slot a claim gave each row before calling the provider; a thread that
    wakes up late (a busy machine) takes a fresh slot rather than crowd the slots of the messages after it."""

    def send(self, row):
        """Wait for ROW's slot (never cut short, or the send would come early), then send as the desktop runner
        does."""
        slot = row.get("slot")
        if slot is not None:
            self.wait_until(slot)
            if self.clock.time() - slot > LATE:
                self.wait_until(self.fresh_slot())
        super().send(row)

    def wait_until(self, ts):
        """Sleep until TS (slots are at most budget.HORIZON away)."""
        wait = ts - self.clock.time()
        if wait > 0:
            time.sleep(wait)

    def fresh_slot(self):
        """A new slot of the channel's budget for this thread's late message (its own connection)."""
        if getattr(self.local, "conn", None) is None:
            self.local.conn = self.manager.connect()
            with self.lock:
                self.conns.append(self.local.conn)
        interval = budget.step(loads(self.campaign["pacing"], {}).get("per_minute") or 20.0)
        while True:
            with db.transaction(self.local.conn):
                slots, again = budget.reserve(self.local.conn, self.campaign["channel_id"], interval, 1,
                                              self.clock.time())
            if slots:
                return slots[0]
            self.wait_until(again)

    def close(self):
        """Close the send threads' channels and connections."""
        super().close()
        for conn in self.conns:
            conn.close()


class TeamRun(Worker):
    """A campaign's dispatcher in one of several workers."""

    sender_class = SlotSender

    def concurrency_for(self, channel_type):
        """The worker's --concurrency when given, else the desktop default."""
        return self.manager.concurrency or super().concurrency_for(channel_type)

    def local_rules(self):
        """The campaign's rules without the rate, which the channel budget applies across workers."""
        return dataclasses.replace(self.rules, per_minute=UNLIMITED_PER_MINUTE)

    def still_mine(self):
        """True while the campaign is running and this worker's lease holds."""
        if not self.manager.lease_ok():
            return False
        with self.manager.timed("status"):
            row = self.conn.execute("SELECT status FROM campaigns WHERE id=?", (self.campaign_id,)).fetchone()
        return row is not None and row["status"] == "running"

    def holder(self):
        """This worker's id: an outcome lands only on a row this worker still holds."""
        return self.manager.worker_id

    def record(self, outcomes):
        """Record landed outcomes as the desktop runner does (timed: the database's share of the work)."""
        if outcomes:
            with self.manager.timed("record"):
                super().record(outcomes)

    def dispatch(self):
        """Claim what pacing and the budget allow into free slots; how many started, None when nothing is left."""
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            return 0
        self.next_wake = None
        allowed = self.allowance(free)
        if not allowed:
            return 0
        interval = budget.step(self.rules.per_minute)
        with self.manager.timed("claim"):
            found = claims.claim(self.conn, self.campaign, self.manager.worker_id, allowed, self.clock.time(),
                                 interval, self.new_id)
        if found is None:
            return 0  # paused or cancelled: the loop sees it
        rows, again, exhausted = found
        if exhausted and not rows:
            return None if not self.in_flight else 0
        if again is not None:
            self.next_wake, self.run.waiting = again, {"until": again, "reason": "pacing"}
        for row in rows:
            self.in_flight[row["id"]] = row
            self.sender.submit(row)
        return len(rows)

    def allowance(self, free):
        """How many of FREE messages the run's own pacer lets go now (delays, caps, quiet hours, back-off)."""
        taken = []
        nth_latest = with_recent(self.nth_latest, taken)
        while len(taken) < free:
            now = self.clock.time()
            when, reason = self.pacer.next_time(now, self.last_send, self.count, nth_latest)
            if when > now:
                self.run.waiting, self.next_wake = {"until": when, "reason": reason}, when
                break
            self.last_send, self.count = now, self.count + 1
            self.pacer.sent(now)
            taken.append(now)
        return len(taken)

    def complete(self):
        """Complete the campaign when nothing is pending or sending, after the rows of dead workers turned
        'unknown'; another worker's live rows keep it running (it completes it when they land)."""
        registry.reap(self.conn, self.clock.time())
        with db.transaction(self.conn):
            states.complete_campaign(self.conn, self.campaign_id, None, self.clock.time())

    def pause(self, reason, resume_at=None):
        """Pause the campaign for every worker with REASON (auto-pause; until RESUME_AT when given)."""
        log.warning("campaign %d: paused by worker %s (%s)", self.campaign_id, self.manager.worker_id, reason)
        with db.transaction(self.conn):
            states.pause_campaign(self.conn, self.campaign_id, reason, self.clock.time(), None, resume_at)
        self.paused_itself = True

    def stop_after(self, err):
        """After an unexpected error: record what landed, turn this worker's other in-flight rows 'unknown' and
        pause the campaign with the reason (the same promise as the desktop runner, for this worker's rows)."""
        outcomes = self.unrecorded + self.drain_all()
        log.exception("campaign %d: team run stopped by an unexpected error", self.campaign_id, exc_info=err)
        ledger.record_outcomes(self.conn, outcomes, self.holder())
        with db.transaction(self.conn):
            states.interrupt_worker_rows(self.conn, self.clock.time(), self.manager.worker_id, self.campaign_id)
        self.pause("internal_error: " + type(err).__name__)
