"""The `app.py worker` process: register, renew the lease, reap dead workers, run every running campaign.

Each running campaign gets a TeamRun thread here (as the desktop runner gives it one in the sidecar); a run
ends when its campaign stops running or has nothing left to claim, and the next look starts it again while
the campaign runs. Campaigns on a WhatsApp Web channel run only in the worker holding that session's lease.
"""
import contextlib
import json
import logging
import threading
import time

from .. import db
from ..runner import RealClock, Run
from ..whatsapp_web import sessions as wa_sessions
from . import registry, sessions
from .link_worker import LinkServer
from .run import TeamRun

log = logging.getLogger("messaging.team")
LOOK_EVERY = 0.5    # seconds between looks for running campaigns
REAP_EVERY = 2.0    # seconds between looks for expired workers
JOIN_TIMEOUT = 30.0  # a provider call times out well within this


class WorkerProcess:
    """One worker: its id and lease, its campaign runs, and what TeamRun asks of its manager."""

    max_nap = 1.0

    def __init__(self, data_dir, concurrency=None, clock=None, rng=None):
        self.data_dir, self.path = data_dir, db.db_path(data_dir)
        self.concurrency, self.clock, self.rng = concurrency, clock or RealClock(), rng
        self.stopping = threading.Event()
        self.runs, self.held_sessions = {}, set()
        self.worker_id, self.lease_until = None, 0.0
        self.db_time, self.db_lock = {}, threading.Lock()  # kind -> [transactions, seconds]
        self.links = LinkServer(self)

    @contextlib.contextmanager
    def timed(self, kind):
        """Add the time of the database work inside to KIND's total (printed when the worker stops)."""
        began = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - began
            with self.db_lock:
                total = self.db_time.setdefault(kind, [0, 0.0])
                total[0], total[1] = total[0] + 1, total[1] + spent

    def connect(self):
        """A fresh connection (each thread uses its own)."""
        return db.connect(self.path)

    def lease_ok(self):
        """True while this worker's lease surely runs (renewed recently enough, with a margin for clocks)."""
        return self.worker_id is not None and self.clock.time() < self.lease_until

    def ensure_monitor(self):
        """The desktop runner's timer: a team worker looks for due campaigns in its own loop."""

    def storage_failed(self, campaign_id, err, outcomes):
        """A database error stopped a run: the rows stay 'sending' and turn 'unknown' when this lease expires."""
        log.error("campaign %d: database error in worker %s (%s); %d outcome(s) unrecorded", campaign_id,
                  self.worker_id, err, len(outcomes))

    def register(self, conn):
        """Take a new worker id and lease."""
        ts = self.clock.time()
        self.worker_id = registry.register(conn, ts)
        self.lease_until = ts + registry.LEASE_SECONDS - registry.CLOCK_MARGIN
        log.info("worker %s registered", self.worker_id)
        print("worker %s ready" % self.worker_id, flush=True)

    def heartbeat(self):
        """Renew the lease (and held sessions) every RENEW_EVERY seconds; a lost lease stops the runs."""
        conn = self.connect()
        try:
            while not self.stopping.wait(registry.RENEW_EVERY):
                ts = self.clock.time()
                try:
                    if registry.renew(conn, self.worker_id, ts):
                        self.lease_until = ts + registry.LEASE_SECONDS - registry.CLOCK_MARGIN
                        self.renew_sessions(conn, ts)
                    else:
                        log.error("worker %s: lease lost (reaped); its runs stop", self.worker_id)
                        self.lease_until = 0.0
                except Exception:  # a lost database: the lease runs out on its own and the runs stop
                    log.exception("worker %s: lease renewal failed", self.worker_id)
        finally:
            conn.close()

    def renew_sessions(self, conn, ts):
        """Keep the WhatsApp Web sessions this worker holds."""
        for channel_id in list(self.held_sessions):
            if not sessions.acquire(conn, channel_id, self.worker_id, ts):
                self.held_sessions.discard(channel_id)
                self.links.dropped(channel_id)

    def main(self):
        """Run until SIGTERM/Ctrl+C: look for campaigns, reap the dead; on the way out, finish and unregister."""
        conn = self.connect()
        beat = None
        try:
            self.register(conn)
            beat = threading.Thread(target=self.heartbeat, name="worker-lease", daemon=True)
            beat.start()
            reaped = 0.0
            while not self.stopping.is_set():
                if not self.lease_ok():
                    self.stop_runs()
                    self.register(conn)  # a cut-off worker comes back under a new id, its old rows 'unknown'
                if time.monotonic() - reaped >= REAP_EVERY:
                    reaped = time.monotonic()
                    count = registry.reap(conn, self.clock.time())
                    if count:
                        log.warning("reaped %d in-flight row(s) of expired workers -> unknown", count)
                self.start_runs(conn)
                self.serve_links(conn)
                self.stopping.wait(LOOK_EVERY)
        except KeyboardInterrupt:
            pass
        finally:
            self.stopping.set()
            wa_sessions.for_data_dir(self.data_dir).interrupt_waits()  # a send waiting for WhatsApp gives up
            self.stop_runs()
            if self.worker_id is not None:
                registry.unregister(conn, self.worker_id, self.clock.time())
            conn.close()
            print("worker %s db-time %s" % (self.worker_id, json.dumps(self.db_time)), flush=True)

    def serve_links(self, conn):
        """Carry out WhatsApp Web link requests and publish link states (an error waits for the next look)."""
        try:
            self.links.look(conn)
        except Exception:  # a database hiccup or an engine that will not start must not stop the campaigns
            log.exception("worker %s: serving WhatsApp Web links failed", self.worker_id)

    def start_runs(self, conn):
        """A TeamRun for each running campaign that has none alive here (and whose session, if any, is ours)."""
        rows = conn.execute("SELECT c.id, ch.type, c.channel_id FROM campaigns c JOIN channels ch ON "
                            "ch.id=c.channel_id WHERE c.status='running' ORDER BY c.id").fetchall()
        for campaign_id, channel_type, channel_id in rows:
            run = self.runs.get(campaign_id)
            if run is not None and run.thread.is_alive():
                continue
            if channel_type == "whatsapp_web" and not self.hold_session(conn, channel_id):
                continue
            self.spawn(campaign_id)

    def hold_session(self, conn, channel_id):
        """True when this worker holds (or now takes) the channel's WhatsApp Web session."""
        if sessions.acquire(conn, channel_id, self.worker_id, self.clock.time()):
            self.held_sessions.add(channel_id)
            return True
        return False

    def spawn(self, campaign_id):
        """Start a TeamRun thread for CAMPAIGN_ID."""
        run = Run(campaign_id, self.worker_id)
        run.thread = threading.Thread(target=TeamRun(self, run).main, name="team-campaign-%d" % campaign_id,
                                      daemon=True)
        self.runs[campaign_id] = run
        run.thread.start()

    def stop_runs(self):
        """Stop every run here: sends in flight land and are recorded."""
        for run in self.runs.values():
            run.stop.set()
        for run in self.runs.values():
            run.thread.join(JOIN_TIMEOUT)
        self.runs.clear()
