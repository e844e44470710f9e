"""The concurrent runner in-process over a real SQLite file and real loopback providers: bounded sends in flight
with global pacing, pacing state that survives a pause and a new manager (a restart), the one-minute failure
streak, grouped commits, and the invariant check that repairs orphan states."""
import os
import time

import pytest
from fakes.clock import FakeClock
from fakes.twilio import FakeTwilio
from fakes.whatsapp import FakeWhatsApp
from messaging import campaigns, channel_store, db, ledger, states
from messaging.runner import CampaignManager, RealClock
from support.runner import make_campaign, run_timed, whatsapp_channel


@pytest.fixture(scope="module", autouse=True)
def module_keychain(keychain):
    """Channels with secrets need the keychain."""
    yield


def attempt_times(conn, campaign_id):
    """attempted_at of every recipient, in id order."""
    return [r[0] for r in conn.execute("SELECT attempted_at FROM campaign_recipients WHERE campaign_id=? "
                                       "ORDER BY id", (campaign_id,))]


def test_sends_overlap_up_to_the_concurrency_and_no_further(store):
    data_dir, conn = store
    with FakeWhatsApp(latency=0.2) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 32, {"per_minute": 60000, "concurrency": 8})
        elapsed = run_timed(data_dir, campaign["id"])
    assert ledger.counts(conn, campaign["id"])["sent"] == 32 and len(server.messages) == 32
    assert server.max_active == 8
    assert elapsed < 3.0, elapsed  # one at a time would take 32 x 0.2 = 6.4 s


def test_the_rate_stays_global_with_several_sends_in_flight(store):
    data_dir, conn = store
    with FakeWhatsApp(latency=0.2) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 30, {"per_minute": 600, "concurrency": 8})
        elapsed = run_timed(data_dir, campaign["id"])
    assert ledger.counts(conn, campaign["id"])["sent"] == 30 and server.max_active >= 2
    assert elapsed >= 2.8, elapsed  # 10 a second: 30 take at least 2.9 s
    times = sorted(attempt_times(conn, campaign["id"]))
    for i in range(len(times)):
        assert sum(1 for t in times[i:] if t - times[i] < 1.0) <= 10


class PausingClock(FakeClock):
    """A fake clock that calls ON_LONG_NAP once, the first time the runner naps for 0.5 s or more."""

    on_long_nap = None

    def sleep(self, seconds, stop):
        """Pause the campaign (through the callback) on the first long nap, then nap as usual."""
        callback, self.on_long_nap = self.on_long_nap, None if seconds >= 0.5 else self.on_long_nap
        if callback is not None and seconds >= 0.5:
            callback()
        super().sleep(seconds, stop)


def test_batch_pause_and_gap_hold_across_pause_and_a_new_manager_on_a_fake_clock(store):
    data_dir, conn = store
    with FakeWhatsApp() as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 4,
                                 {"per_minute": 6000, "batch_size": 2, "batch_pause": 300, "concurrency": 1})
        clock = PausingClock()
        first = CampaignManager(data_dir, clock)
        clock.on_long_nap = lambda: first.pause(campaign["id"])  # the user pauses during the batch pause
        first.start(campaign["id"])
        assert first.join(campaign["id"], 30)
        assert campaigns.describe(conn, campaign["id"])["counts"]["sent"] == 2
        first.shutdown()  # its timer would take the later run's campaign for its own orphan (runner.check_invariants)
        later = CampaignManager(data_dir, clock)  # a restarted app: nothing in memory
        later.start(campaign["id"])
        assert later.join(campaign["id"], 30)
    times = attempt_times(conn, campaign["id"])
    assert campaigns.describe(conn, campaign["id"])["status"] == "completed"
    assert times[2] - times[1] >= 300  # the batch pause was not forgotten
    assert 0.009 <= times[3] - times[2] < 300  # the next batch starts normally


def test_a_failure_streak_lasting_a_minute_pauses_with_the_last_error(store):
    data_dir, conn = store
    with FakeTwilio() as server:
        server.faults.random(server_error=1.0)
        channel = channel_store.create(conn, {"name": "tw", "type": "twilio",
                                              "secrets": {"auth_token": server.auth_token},
                                              "config": {"account_sid": server.account_sid,
                                                         "from_number": "+15005550006", "api_base": server.base_url}})
        campaign = make_campaign(conn, channel, 3, {"per_minute": 60, "retry_backoff": 25, "max_attempts": 100,
                                                    "max_consecutive_failures": 1000, "concurrency": 1})
        clock = FakeClock()
        began = clock.time()
        manager = CampaignManager(data_dir, clock)
        manager.start(campaign["id"])
        assert manager.join(campaign["id"], 30)
    described = campaigns.describe(conn, campaign["id"])
    assert described["status"] == "paused" and 60 <= clock.time() - began < 62
    assert described["pause_reason"].startswith("consecutive_failures: sends kept failing for 60 seconds")
    assert "500" in described["pause_reason"]
    assert server.requests == 2  # at 0 and 25 s; the retry due at 75 s never happens: paused at 60 s
    assert described["counts"]["pending"] == 3 and described["counts"]["sending"] == 0


def test_invariant_check_repairs_orphans_and_stuck_rows(store):
    data_dir, conn = store
    with FakeWhatsApp() as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 3, {"per_minute": 60})
    with db.transaction(conn):  # what a dead worker leaves: running with nobody sending, a row in flight
        states.start_campaign(conn, campaign["id"], "gone", 1.0, 2.0)
        first = conn.execute("SELECT id FROM campaign_recipients ORDER BY id LIMIT 1").fetchone()[0]
        states.claim_recipient(conn, first, 1.0)
    repaired = CampaignManager(data_dir, FakeClock()).check_invariants()
    assert repaired == {"orphan_campaigns": [campaign["id"]], "stuck_rows": 1}
    described = campaigns.describe(conn, campaign["id"])
    assert (described["status"], described["pause_reason"]) == ("paused", "worker_stopped")
    assert described["counts"]["unknown"] == 1 and described["counts"]["sending"] == 0
    assert CampaignManager(data_dir, FakeClock()).check_invariants() == {"orphan_campaigns": [], "stuck_rows": 0}


def test_outcomes_landing_together_are_committed_together(store, monkeypatch):
    data_dir, conn = store
    commits = []
    original = ledger.record_outcomes

    def slow_first_commit(c, outcomes):
        # The first commit is held a moment (a slow disk), so the outcomes that land meanwhile are certainly
        # together when the next one starts, however a busy machine spreads the provider's answers.
        commits.append(len(outcomes))
        if len(commits) == 1:
            time.sleep(0.5)
        return original(c, outcomes)
    monkeypatch.setattr(ledger, "record_outcomes", slow_first_commit)
    with FakeWhatsApp(latency=0.3) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 16, {"per_minute": 60000, "concurrency": 16})
        manager = CampaignManager(data_dir, RealClock())
        manager.start(campaign["id"])
        assert manager.join(campaign["id"], 30)
    assert ledger.counts(conn, campaign["id"])["sent"] == 16
    assert sum(commits) == 16 and len(commits) < 16 and max(commits) > 1


def test_an_unexpected_error_in_the_worker_pauses_with_a_reason_and_leaves_nothing_in_flight(store, monkeypatch):
    data_dir, conn = store
    with FakeWhatsApp(latency=0.1) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 20, {"per_minute": 60000, "concurrency": 4})
        calls = []

        def breaks_on_the_second_batch(c, row):
            calls.append(row["id"])
            if len(calls) > 4:
                raise RuntimeError("a bug")
            return False
        monkeypatch.setattr(campaigns, "check_dnc_now", breaks_on_the_second_batch)
        manager = CampaignManager(data_dir, RealClock())
        manager.start(campaign["id"])
        assert manager.join(campaign["id"], 30)
    described = campaigns.describe(conn, campaign["id"])
    assert (described["status"], described["pause_reason"]) == ("paused", "internal_error: RuntimeError")
    assert described["counts"]["sending"] == 0 and described["counts"]["sent"] == 4 == len(server.messages)


def test_a_running_campaign_holds_a_lease_that_pausing_gives_up(store):
    data_dir, conn = store
    with FakeWhatsApp(latency=0.3) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 4, {"per_minute": 60, "concurrency": 1})
        manager = CampaignManager(data_dir, RealClock())
        before = time.time()
        manager.start(campaign["id"])
        owner, expires = conn.execute("SELECT lease_owner, lease_expires FROM campaigns WHERE id=?",
                                      (campaign["id"],)).fetchone()
        assert owner and owner.endswith(":%d" % os.getpid()) and before + 25 < expires < time.time() + 31
        manager.pause(campaign["id"])
        assert manager.join(campaign["id"], 10)
    assert conn.execute("SELECT lease_expires FROM campaigns WHERE id=?", (campaign["id"],)).fetchone()[0] is None
