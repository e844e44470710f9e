"""The one kill -9 fault harness: start a real campaign, SIGKILL the sidecar at a random moment (sometimes twice),
restart it on the same data directory, let it resume, and compare what the local provider received with the
ledger. Every channel or worker that can lose or repeat a message runs its trials through `FaultRig`.

Used by tests/python/test_campaign_fault.py (BULKMSG_FAULT_TRIALS trials, 20 by default) and
scripts/fault_campaign.py (many). A provider plugs in as a target: `SmtpTarget` (the loopback SMTP server) and
`CloudApiTarget` (the fake WhatsApp Cloud API, with its status webhooks), `TwilioTarget` (the fake Twilio API and
its Messages list) and `WhatsAppWebTarget` (the fake WhatsApp behind the real
WhatsApp Web engine, whose process can be killed too) are here; a new channel adds one small target class.
"""
import os
import random
import signal
import sqlite3
import time

import requests

from support.sidecar import Sidecar, wait_for

DEFAULT_TRIALS = 20
CONCURRENCY_CHOICES = (2, 4, 8)


def trials_from_env(default=DEFAULT_TRIALS):
    """How many trials this run makes: BULKMSG_FAULT_TRIALS, else DEFAULT (few in CI, many in the script)."""
    return int(os.environ.get("BULKMSG_FAULT_TRIALS") or default)


class SmtpTarget:
    """The loopback SMTP server (plain, no login: the trial is about the ledger, not TLS)."""

    def __init__(self, smtp):
        self.smtp = smtp

    def channel(self):
        """The POST /channels body."""
        return {"name": "fault smtp", "type": "smtp", "config": {
            "host": "127.0.0.1", "port": self.smtp.port, "security": "none", "from_address": "f@example.com"}}

    def contacts(self, trial, size):
        """SIZE (address, contact) pairs unique to TRIAL."""
        return [("t%d-%d@example.org" % (trial, i), {"email": "t%d-%d@example.org" % (trial, i), "name": "R %d" % i})
                for i in range(size)]

    def received(self, address):
        """How many messages the server accepted for ADDRESS."""
        return self.smtp.handler.count_to(address)


class CloudApiTarget:
    """The fake WhatsApp Cloud API: it posts a signed 'sent' status webhook for every message it accepts, to
    whichever sidecar runs now, and keeps those a dead sidecar missed for later (Meta retries for days)."""

    app_secret = "fault-app-secret"

    def __init__(self, server):
        self.server = server
        server.auto_sent = True

    def channel(self):
        """The POST /channels body."""
        return {"name": "fault wa", "type": "whatsapp",
                "secrets": {"access_token": self.server.token, "app_secret": self.app_secret},
                "config": {"phone_number_id": self.server.phone_number_id, "api_base": self.server.base_url,
                           "timeout": 5}}

    def on_sidecar(self, api, channel_id):
        """Point the webhooks at the sidecar that runs now."""
        self.server.subscribe(api.url + "/webhooks/whatsapp/%d" % channel_id, self.app_secret)

    def before_reconcile(self, api):
        """Meta's retries reach the restarted sidecar."""
        wait_for(self.server.settled, timeout=30)

    def contacts(self, trial, size):
        """SIZE (address, contact) pairs unique to TRIAL."""
        numbers = ["+1415%03d%04d" % (200 + trial % 800, i) for i in range(size)]
        return [(n, {"number": n, "name": "R %d" % i}) for i, n in enumerate(numbers)]

    def received(self, address):
        """How many messages the API accepted for ADDRESS."""
        return self.server.count_to(address.lstrip("+"))


class TwilioTarget:
    """The fake Twilio API: after a crash the sidecar asks its Messages list about the sends left 'unknown'."""

    def __init__(self, server):
        self.server = server

    def channel(self):
        """The POST /channels body."""
        return {"name": "fault sms", "type": "twilio", "secrets": {"auth_token": self.server.auth_token},
                "config": {"account_sid": self.server.account_sid, "from_number": "+15005550006",
                           "api_base": self.server.base_url, "timeout": 5}}

    def contacts(self, trial, size):
        """SIZE (address, contact) pairs unique to TRIAL."""
        numbers = ["+1415%03d%04d" % (200 + trial % 800, i) for i in range(size)]
        return [(n, {"number": n, "name": "R %d" % i}) for i, n in enumerate(numbers)]

    def received(self, address):
        """How many messages the API accepted for ADDRESS."""
        return self.server.count_to(address)


class WhatsAppWebTarget:
    """The fake WhatsApp (servers and phones) behind the real Node engine, linked once per rig."""

    env_name = "BULKMSG_WA_FAKE_SERVER"

    def __init__(self, fake):
        self.fake = fake
        self.env = {self.env_name: fake.url}

    def pacing(self):
        """Pacing that overrides the ban-safety defaults (a trial is about the ledger, not the pace)."""
        return {"min_delay": 0, "max_delay": 0, "batch_size": None, "batch_size_max": None, "warmup": False,
                "max_consecutive_failures": 5}

    def link(self, api):
        """A linked channel (the QR flow, 'scanned' on the fake phone); its id."""
        from support.whatsapp import linked_channel
        return linked_channel(api, self.fake, "fault wa web")

    def contacts(self, trial, size):
        """SIZE (address, contact) pairs unique to TRIAL, all on WhatsApp."""
        numbers = ["+1415%03d%04d" % (200 + trial % 800, i) for i in range(size)]
        self.fake.add_accounts(numbers)
        return [(n, {"number": n, "name": "R %d" % i}) for i, n in enumerate(numbers)]

    def received(self, address):
        """How many messages the recipient's phone shows (distinct message ids, as WhatsApp keys them)."""
        return len(self.fake.inbox(address))


class FaultRig:
    """One data directory, one provider target, and the sidecar currently running on them."""

    def __init__(self, data_dir, target, seed=0, concurrency=CONCURRENCY_CHOICES):
        self.data_dir, self.rng = data_dir, random.Random(seed)
        self.target = SmtpTarget(target) if hasattr(target, "handler") else target  # a FakeSmtp is accepted
        self.concurrency = concurrency
        self.sidecar, self.channel_id, self.pause_reason = None, None, None
        self.db_path = os.path.join(data_dir, "bulkmsg.sqlite3")

    def ensure_sidecar(self):
        """A running sidecar on the rig's data directory."""
        if self.sidecar is None or self.sidecar.proc.poll() is not None:
            self.sidecar = Sidecar(os.path.dirname(self.data_dir), data_dir=self.data_dir,
                                   env=getattr(self.target, "env", None)).start()
            if self.channel_id is not None and hasattr(self.target, "on_sidecar"):
                self.target.on_sidecar(self.sidecar, self.channel_id)
        return self.sidecar

    def ensure_channel(self):
        """The target's channel, created once."""
        if self.channel_id is None and hasattr(self.target, "link"):
            self.channel_id = self.target.link(self.ensure_sidecar())
        if self.channel_id is None:
            r = self.ensure_sidecar().post("/channels", self.target.channel())
            assert r.status_code == 201, r.text
            self.channel_id = r.json()["id"]
            if hasattr(self.target, "on_sidecar"):
                self.target.on_sidecar(self.sidecar, self.channel_id)
        return self.channel_id

    def new_campaign(self, trial, size):
        """A list of SIZE unique recipients for TRIAL and a started campaign; returns (campaign id, addresses)."""
        api = self.ensure_sidecar()
        pairs = self.target.contacts(trial, size)
        listed = api.post("/lists", {"name": "trial %d" % trial, "contacts": [c for _, c in pairs]})
        assert listed.status_code == 201, listed.text
        max_delay = self.rng.choice([0, 0, 0.01, 0.03])
        campaign = api.post("/campaigns", {"name": "trial %d" % trial, "list_id": listed.json()["list"]["id"],
                                           "channel_id": self.ensure_channel(), "subject": "T{{name}}",
                                           "body": "Hello {{name}}", "pacing": dict(
                                               getattr(self.target, "pacing", dict)(), per_minute=100000,
                                               max_delay=max_delay, concurrency=self.rng.choice(self.concurrency))})
        assert campaign.status_code == 201, campaign.text
        started = api.post("/campaigns/%d/start" % campaign.json()["id"])
        assert started.status_code == 200 and started.json()["started"], started.text
        return campaign.json()["id"], [a for a, _ in pairs]

    def kill_after_deliveries(self, addresses, count, timeout=30.0):
        """SIGKILL the sidecar once the provider has received messages for COUNT of ADDRESSES (or after TIMEOUT)."""
        deadline = time.monotonic() + timeout
        while sum(self.target.received(a) > 0 for a in addresses) < count and time.monotonic() < deadline:
            time.sleep(0.002)
        self.kill_after(0)

    def kill_after(self, seconds):
        """SIGKILL the sidecar after SECONDS."""
        time.sleep(seconds)
        self.sidecar.kill()
        self.sidecar = None

    def kill_engine_after_deliveries(self, addresses, count, timeout=30.0):
        """SIGKILL the target's engine process (not the sidecar) once COUNT of ADDRESSES have a message."""
        deadline = time.monotonic() + timeout
        while sum(self.target.received(a) > 0 for a in addresses) < count and time.monotonic() < deadline:
            time.sleep(0.002)
        from support.whatsapp import engine_pids
        pids = engine_pids(self.data_dir)
        assert pids, "no engine process found for this data directory"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)

    def retry_unknown(self, campaign_id):
        """What the user does after a crash: retry the 'unknown' recipients; the retry answer."""
        api = self.ensure_sidecar()
        r = api.post("/campaigns/%d/retry" % campaign_id, {"statuses": ["unknown"]})
        assert r.status_code == 200, r.text
        return r.json()

    def ledger(self, campaign_id):
        """(campaign status, {address: status}, integrity) read straight from the file."""
        conn = sqlite3.connect(self.db_path, timeout=30)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            status, self.pause_reason = conn.execute("SELECT status, pause_reason FROM campaigns WHERE id=?",
                                                     (campaign_id,)).fetchone()
            rows = dict(conn.execute("SELECT address, status FROM campaign_recipients WHERE campaign_id=?",
                                     (campaign_id,)).fetchall())
        finally:
            conn.close()
        return status, rows, integrity

    def double_sends(self, addresses):
        """Recipients the provider got more than one message for."""
        return [a for a in addresses if self.target.received(a) > 1]

    def check(self, campaign_id, addresses, final):
        """The ledger's promises; returns the status counts. FINAL: the campaign must have completed."""
        status, rows, integrity = self.ledger(campaign_id)
        assert integrity == "ok", integrity
        assert sorted(rows) == sorted(addresses), "a recipient is missing from the ledger"
        assert self.double_sends(addresses) == [], "automatic double sends: %s" % self.double_sends(addresses)
        pending = [a for a, s in rows.items() if s in ("pending", "sending")]
        assert not (status == "completed" and pending), "completed while recipients were pending"
        for address, state in rows.items():
            received = self.target.received(address)
            if state == "sent":
                assert received == 1, "%s is marked sent but never arrived" % address
            if final:
                assert state in ("sent", "unknown", "failed"), "%s left %s (campaign %s: %s)" % (
                    address, state, status, self.pause_reason)
                if received == 0:
                    assert state != "sent", "%s silently skipped" % address
            if state == "failed":
                assert received == 0
        if final:
            assert status == "completed", (status, self.pause_reason)
        counts = {}
        for state in rows.values():
            counts[state] = counts.get(state, 0) + 1
        return counts

    def check_with_log(self, campaign_id, addresses):
        """The final check; a failure carries the end of the sidecar's log, which says why (CI keeps no files)."""
        try:
            return self.check(campaign_id, addresses, final=True)
        except AssertionError as failure:
            log = self.sidecar.read_log()[-6000:] if self.sidecar is not None else "(no sidecar)"
            raise AssertionError("%s\n--- end of the sidecar log ---\n%s" % (failure, log)) from None

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

    def run_trial(self, trial, size_range=(30, 60), kill_share=0.8, double_kill_rate=0.25):
        """One trial: start, kill (once or twice), restart, finish, check. Returns a summary dict."""
        campaign_id, addresses = self.new_campaign(trial, self.rng.randint(*size_range))
        # The kill moment is drawn in messages delivered, not seconds: a fast machine finishes a campaign before
        # a timed kill lands, which would make the trial prove nothing.
        self.kill_after_deliveries(addresses, self.rng.randint(0, int(len(addresses) * kill_share)))
        at_kill = self.check(campaign_id, addresses, final=False)
        taken_in_flight = len(self.taken_in_flight(campaign_id))
        kills = 1
        if self.rng.random() < double_kill_rate:
            self.ensure_sidecar()  # restarts and resumes
            self.kill_after(self.rng.uniform(0.0, 0.3))
            self.check(campaign_id, addresses, final=False)
            kills = 2
        self.wait_finished(campaign_id)
        final = self.check_with_log(campaign_id, addresses)
        return {"trial": trial, "size": len(addresses), "kills": kills, "at_kill": at_kill, "final": final,
                "double_sends": len(self.double_sends(addresses)), "campaign_id": campaign_id,
                "addresses": addresses, "taken_in_flight": taken_in_flight}

    def taken_in_flight(self, campaign_id):
        """Recipients the dead sidecar had not settled although the provider had already taken their message:
        the rows a restart must settle without sending again (by a late report or by reconciling)."""
        _status, rows, _integrity = self.ledger(campaign_id)
        return [a for a, s in rows.items() if s in ("sending", "unknown") and self.target.received(a) > 0]

    def run_engine_trial(self, trial, size_range=(20, 40), kill_share=0.8):
        """One trial of the engine process dying mid-campaign: the campaign pauses with a reason; once the engine
        is back the user resumes, then retries what stayed unknown. Returns a summary dict."""
        campaign_id, addresses = self.new_campaign(trial, self.rng.randint(*size_range))
        self.kill_engine_after_deliveries(addresses, self.rng.randint(0, int(len(addresses) * kill_share)))
        stopped = self.wait_finished(campaign_id)
        at_kill = self.check(campaign_id, addresses, final=False)
        if stopped["status"] == "paused":
            self.wait_engine_connected()
            r = self.ensure_sidecar().post("/campaigns/%d/resume" % campaign_id)
            assert r.status_code == 200, r.text
            self.wait_finished(campaign_id)
        retried = self.finish_with_retry(campaign_id, addresses)
        return {"trial": trial, "size": len(addresses), "kills": 1, "paused_reason": stopped.get("pause_reason"),
                "at_kill": at_kill, "final": retried["final"], "retry": retried["retry"],
                "double_sends": len(self.double_sends(addresses))}

    def reconcile(self, campaign_id):
        """What the retry dialog does first: ask what providers know about 'unknown' recipients (after the
        provider's own late reports, such as Meta's webhook retries, reached the sidecar)."""
        api = self.ensure_sidecar()
        getattr(self.target, "before_reconcile", lambda _api: None)(api)
        r = api.post("/campaigns/%d/reconcile" % campaign_id)
        assert r.status_code == 200, r.text
        return r.json()

    def finish_with_retry(self, campaign_id, addresses):
        """Check the finished campaign, reconcile, retry what stays 'unknown' as a user would, check again."""
        first = self.check_with_log(campaign_id, addresses)
        retry, settled = None, {"reconciled": 0, "still_unknown": 0}
        if first.get("unknown"):
            settled = self.reconcile(campaign_id)
            retry = self.retry_unknown(campaign_id)
            self.wait_finished(campaign_id)
        final = self.check_with_log(campaign_id, addresses)
        return {"first": first, "final": final, "retry": retry, "reconciled": settled["reconciled"],
                "still_unknown": settled["still_unknown"], "double_sends": len(self.double_sends(addresses))}

    def wait_engine_connected(self, timeout=60):
        """Wait until the target's channel reports a connected engine again."""
        api = self.ensure_sidecar()
        path = "/channels/%d/whatsapp-web" % self.channel_id
        wait_for(lambda: api.get(path, timeout=5).json()["status"] == "connected", timeout=timeout, interval=0.2)

    def close(self):
        """Stop the sidecar if one runs."""
        if self.sidecar is not None:
            self.sidecar.stop()
