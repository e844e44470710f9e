"""Kill -9 trials of the team mode's campaign workers: an API sidecar in team mode (never killed), N real
`app.py worker` processes on its database, one campaign to the fake Cloud API; random workers are SIGKILLed
mid-campaign and restarted. The checks are FaultRig's (nobody messaged twice, nobody silently skipped, the
campaign completes; after reconciling and a retry of what stayed 'unknown', everybody has exactly one message)
plus the rate measured at the fake in every 1-second window.

Used by tests/python/test_team_fault.py (a few trials) and scripts/fault_workers.py (many).
"""
import collections
import os
import time

from fakes.fault_trials import CloudApiTarget, FaultRig
from support.team import TeamSidecar
from support.workers import WorkerProc, busiest_second, make_list


class CountingCloudTarget(CloudApiTarget):
    """The Cloud API target with per-address counts kept in step with the fake (thousands of checks stay cheap)."""

    def __init__(self, server):
        super().__init__(server)
        self.counts, self.seen = collections.Counter(), 0

    def received(self, address):
        """How many messages the API accepted for ADDRESS."""
        with self.server.lock:
            fresh = self.server.messages[self.seen:]
        self.counts.update(m["to"] for m in fresh)
        self.seen += len(fresh)
        return self.counts[address.lstrip("+")]


class WorkerFaultRig(FaultRig):
    """One team-mode API sidecar, WORKERS worker processes of CONCURRENCY each, campaigns at PER_MINUTE."""

    def __init__(self, home, fake, workers=4, concurrency=3, per_minute=3000, seed=0):
        super().__init__(os.path.join(str(home), "data"), CountingCloudTarget(fake), seed=seed)
        self.home, self.fake, self.per_minute = str(home), fake, per_minute
        self.workers = [WorkerProc(home, self.data_dir, concurrency, name="worker%d" % i) for i in range(workers)]

    def ensure_sidecar(self):
        """The API sidecar in team mode (it only changes states and takes the provider's webhooks)."""
        if self.sidecar is None or self.sidecar.proc.poll() is not None:
            self.sidecar = TeamSidecar(self.home, data_dir=self.data_dir).start()
            if self.channel_id is not None:
                self.target.on_sidecar(self.sidecar, self.channel_id)
        return self.sidecar

    def restart_sidecar(self):
        """A fresh API process per trial: its webhook path opens the keychain for every request, and after some
        4,000 webhooks in one process the private test keychain stopped answering it (not the workers)."""
        if self.sidecar is not None:
            self.sidecar.stop()
            self.sidecar = None
        return self.ensure_sidecar()

    def new_campaign(self, trial, size):
        """A started campaign of SIZE recipients at the rig's rate; (campaign id, addresses)."""
        api = self.ensure_sidecar()
        pairs = self.target.contacts(trial, size)
        list_id = make_list(api, [c for _, c in pairs])
        campaign = api.post("/campaigns", {"name": "trial %d" % trial, "list_id": list_id,
                                           "channel_id": self.ensure_channel(), "body": "Hello {{name}}",
                                           "pacing": {"per_minute": self.per_minute}})
        assert campaign.status_code == 201, campaign.text
        started = api.post("/campaigns/%d/start" % campaign.json()["id"])
        assert started.status_code == 200 and started.json()["started"], started.text
        return campaign.json()["id"], [a for a, _ in pairs]

    def ledger(self, campaign_id):
        """(campaign status, {address: status}, integrity) read from the database the sidecar uses (the file, or
        the PostgreSQL database of the test)."""
        from messaging import db

        conn = db.connect(db.db_path(self.data_dir))
        try:
            integrity = "ok" if db.integrity_ok(conn) else "not ok"
            status, self.pause_reason = conn.execute("SELECT status, pause_reason FROM campaigns WHERE id=?",
                                                     (campaign_id,)).fetchone()
            rows = {r[0]: r[1] for r in conn.execute("SELECT address, status FROM campaign_recipients WHERE "
                                                     "campaign_id=?", (campaign_id,)).fetchall()}
        finally:
            conn.close()
        return status, rows, integrity

    def ensure_workers(self):
        """Every worker process running."""
        for worker in self.workers:
            if not worker.alive():
                worker.start()

    def kill_and_restart(self, addresses, kills):
        """KILLS times: wait for a random share of ADDRESSES to have a message, SIGKILL a random live worker, and
        start it again after a moment (the others go on meanwhile). The number of kills made."""
        marks = sorted(self.rng.randint(len(addresses) // 20, len(addresses) * 17 // 20) for _ in range(kills))
        made = 0
        for mark in marks:
            while len(self.fake.messages) < mark:
                time.sleep(0.01)
            victim = self.rng.choice([w for w in self.workers if w.alive()])
            victim.kill()
            made += 1
            time.sleep(self.rng.uniform(0.2, 1.5))
            victim.start(wait=False)
        return made

    def run_worker_trial(self, trial, size=2000, kills=4):
        """One trial: start, kill and restart workers, finish, reconcile, retry what stays unknown, check."""
        self.restart_sidecar()
        self.ensure_workers()
        before = len(self.fake.arrivals)
        campaign_id, addresses = self.new_campaign(trial, size)
        made = self.kill_and_restart(addresses, kills)
        self.wait_finished(campaign_id, timeout=900)
        result = self.finish_with_retry(campaign_id, addresses)
        with self.fake.lock:
            arrivals = self.fake.arrivals[before:]
        return dict(result, trial=trial, size=size, kills=made, campaign_id=campaign_id,
                    busiest_second=busiest_second(arrivals), limit_per_second=self.per_minute / 60.0)

    def close(self):
        """Stop the workers and the sidecar."""
        for worker in self.workers:
            worker.stop()
        super().close()
