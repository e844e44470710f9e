"""Kill-the-sidecar trials: SIGKILL during a real SMTP campaign, restart, resume, then check the ledger's promises.

Shared by tests/python/test_campaign_fault.py (a bounded number of trials) and scripts/fault_campaign.py (more).
"""
import os
import random
import sqlite3
import time

import requests

from .sidecar_proc import Sidecar, wait_for


class FaultRig:
    """One data directory, one SMTP server, and the sidecar currently running on them."""

    def __init__(self, data_dir, smtp_server, seed=0):
        self.data_dir, self.smtp, self.rng = data_dir, smtp_server, random.Random(seed)
        self.sidecar, self.channel_id = None, None
        self.db_path = os.path.join(data_dir, "bulkmsg.sqlite3")

    def ensure_sidecar(self):
        """A running sidecar on the rig's data directory."""
        if self.sidecar is None or self.sidecar.proc.poll() is not None:
            self.sidecar = Sidecar(self.data_dir).start()
        return self.sidecar

    def ensure_channel(self):
        """The SMTP channel (plain, no login: the trial is about the ledger, not TLS)."""
        if self.channel_id is None:
            r = self.ensure_sidecar().post("/channels", {"name": "fault smtp", "type": "smtp", "config": {
                "host": "127.0.0.1", "port": self.smtp.port, "security": "none", "from_address": "f@example.com"}})
            assert r.status_code == 201, r.text
            self.channel_id = r.json()["id"]
        return self.channel_id

    def new_campaign(self, trial, size):
        """A list of SIZE unique addresses for TRIAL and a started campaign; returns (campaign id, addresses)."""
        api = self.ensure_sidecar()
        addresses = ["t%d-%d@example.org" % (trial, i) for i in range(size)]
        listed = api.post("/lists", {"name": "trial %d" % trial,
                                     "contacts": [{"email": a, "name": "R %d" % i} for i, a in enumerate(addresses)]})
        assert listed.status_code == 201, listed.text
        max_delay = self.rng.choice([0, 0, 0.01, 0.03])
        campaign = api.post("/campaigns", {"name": "trial %d" % trial, "list_id": listed.json()["list"]["id"],
                                           "channel_id": self.ensure_channel(), "subject": "T{{name}}",
                                           "body": "Hello {{name}}", "pacing": {
                                               "per_minute": 100000, "max_delay": max_delay}})
        assert campaign.status_code == 201, campaign.text
        started = api.post("/campaigns/%d/start" % campaign.json()["id"])
        assert started.status_code == 200 and started.json()["started"], started.text
        return campaign.json()["id"], addresses

    def kill_after(self, seconds):
        """SIGKILL the sidecar after SECONDS."""
        time.sleep(seconds)
        self.sidecar.kill()
        self.sidecar = None

    def ledger(self, campaign_id):
        """(campaign status, {address: status}, integrity) read straight from the file."""
        conn = sqlite3.connect(self.db_path, timeout=30)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            status = conn.execute("SELECT status FROM campaigns WHERE id=?", (campaign_id,)).fetchone()[0]
            rows = dict(conn.execute("SELECT address, status FROM campaign_recipients WHERE campaign_id=?",
                                     (campaign_id,)).fetchall())
        finally:
            conn.close()
        return status, rows, integrity

    def check(self, campaign_id, addresses, final):
        """The four promises; returns the status counts. FINAL: the campaign must have completed."""
        status, rows, integrity = self.ledger(campaign_id)
        assert integrity == "ok", integrity
        assert sorted(rows) == sorted(addresses), "a recipient is missing from the ledger"
        pending = [a for a, s in rows.items() if s in ("pending", "sending")]
        assert not (status == "completed" and pending), "completed while recipients were pending"
        for address, state in rows.items():
            received = self.smtp.handler.count_to(address)
            assert received <= 1, "%s received %d copies" % (address, received)
            if state == "sent":
                assert received == 1, "%s is marked sent but never arrived" % address
            if final:
                assert state in ("sent", "unknown", "failed"), "%s left %s" % (address, state)
                if received == 0:
                    assert state != "sent", "%s silently skipped" % address
            if state == "failed":
                assert received == 0
        if final:
            assert status == "completed", status
        counts = {}
        for state in rows.values():
            counts[state] = counts.get(state, 0) + 1
        return counts

    def wait_finished(self, campaign_id, timeout=60):
        """Wait until the resumed campaign stops running."""
        api = self.ensure_sidecar()

        def done():
            try:
                body = api.get("/campaigns/%d" % campaign_id, timeout=5).json()
            except requests.RequestException:
                return None
            return body if body["status"] != "running" else None
        return wait_for(done, timeout=timeout, interval=0.1)

    def run_trial(self, trial, size_range=(30, 60), kill_window=(0.0, 0.8), double_kill_rate=0.25):
        """One trial: start, kill (once or twice), restart, finish, check. Returns a summary dict."""
        campaign_id, addresses = self.new_campaign(trial, self.rng.randint(*size_range))
        self.kill_after(self.rng.uniform(*kill_window))
        at_kill = self.check(campaign_id, addresses, final=False)
        kills = 1
        if self.rng.random() < double_kill_rate:
            self.ensure_sidecar()  # restarts and resumes
            self.kill_after(self.rng.uniform(0.0, 0.3))
            self.check(campaign_id, addresses, final=False)
            kills = 2
        self.wait_finished(campaign_id)
        final = self.check(campaign_id, addresses, final=True)
        return {"trial": trial, "size": len(addresses), "kills": kills, "at_kill": at_kill, "final": final}

    def close(self):
        """Stop the sidecar if one runs."""
        if self.sidecar is not None:
            self.sidecar.stop()
