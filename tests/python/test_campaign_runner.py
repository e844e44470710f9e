"""The campaign runner in-process over a real SQLite file: ledger, pacing, errors, pause/resume, recovery."""
import json
import os
import threading
import time

import pytest
from fakes.clock import FakeClock
from fakes.twilio import FakeTwilio
from fakes.whatsapp import FakeWhatsApp
from messaging import campaigns, channel_store, dnc, ledger, lists
from core.errors import DomainError
from messaging.runner import CampaignManager, RealClock
from support.runner import numbers, whatsapp_channel


# Channels with secrets need a real Secret Service (conftest's keychain) in this process.
pytestmark = pytest.mark.usefixtures("keychain")


def make_campaign(conn, channel, count, pacing=None, body="Hi {{name|there}}", fields=None, **extra):
    """A list of COUNT contacts (each with the extra columns FIELDS) and a draft campaign sending BODY through CHANNEL."""
    records = [{"number": n, "email": "user%d@example.org" % i, "name": "User %d" % i, "fields": dict(fields or {})}
               for i, n in enumerate(numbers(count))]
    created, _ = lists.create_list(conn, "list", records)
    data = {"name": "c", "list_id": created["id"], "channel_id": channel["id"], "body": body,
            "pacing": pacing or {"per_minute": 60}}
    data.update(extra)
    return campaigns.create(conn, data)


def dry_run_channel(conn):
    """A dry-run channel (the app names its file: DATA_DIR/dry-run/channel-<id>.jsonl)."""
    return channel_store.create(conn, {"name": "dry", "type": "dry_run", "config": {}})


def dry_run_lines(data_dir, channel_id=1):
    """The messages dry-run channel CHANNEL_ID (by default a new store's first channel) wrote."""
    path = os.path.join(data_dir, "dry-run", "channel-%d.jsonl" % channel_id)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def run_to_end(manager, campaign_id, timeout=60):
    """Start and wait for the worker to exit."""
    manager.start(campaign_id)
    assert manager.join(campaign_id, timeout)


def test_paced_campaign_sends_everyone_once_on_a_fake_clock(store):
    data_dir, conn = store
    campaign = make_campaign(conn, dry_run_channel(conn), 10, {"per_minute": 6, "batch_size": 5, "batch_pause": 120})
    clock = FakeClock()
    start = clock.time()
    run_to_end(CampaignManager(data_dir, clock), campaign["id"])
    lines = dry_run_lines(data_dir)
    assert sorted(line["to"] for line in lines) == numbers(10)
    assert lines[3]["body"] == "Hi User 3"
    assert campaigns.describe(conn, campaign["id"])["status"] == "completed"
    # 9 gaps of 10 s, one of them a 120 s batch pause: 8*10 + 120 = 200 s of pacing.
    assert clock.time() - start == pytest.approx(200)
    sent_at = [r[0] for r in conn.execute("SELECT attempted_at FROM campaign_recipients ORDER BY attempted_at")]
    assert [round(b - a) for a, b in zip(sent_at, sent_at[1:])] == [10, 10, 10, 10, 120, 10, 10, 10, 10]


def test_rate_limits_honour_retry_after_and_resend_nothing(store):
    data_dir, conn = store
    with FakeWhatsApp() as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server, timeout=1), 5, {"per_minute": 60000, "concurrency": 1})
        server.faults.queue("rate_limit", 3)
        clock = FakeClock()
        run_to_end(CampaignManager(data_dir, clock), campaign["id"])
    assert sorted(m["to"] for m in server.messages) == [n.lstrip("+") for n in numbers(5)]
    assert server.requests == 8
    assert sum(1 for nap in clock.naps if nap >= 0.99) >= 3  # waited out each Retry-After: 1
    first = conn.execute("SELECT attempts, status FROM campaign_recipients ORDER BY id LIMIT 1").fetchone()
    assert tuple(first) == (4, "sent")


def test_timeouts_become_unknown_and_are_not_retried_automatically(store):
    data_dir, conn = store
    with FakeWhatsApp(timeout_hold=1.5) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server, timeout=1), 4, {"per_minute": 60000})
        server.faults.queue("timeout", 1)
        manager = CampaignManager(data_dir, FakeClock())
        run_to_end(manager, campaign["id"])
        counts = ledger.counts(conn, campaign["id"])
        assert (counts["sent"], counts["unknown"]) == (3, 1)
        assert campaigns.describe(conn, campaign["id"])["status"] == "completed"
        assert manager.retry(campaign["id"], ["failed"])["requeued"] == 0
        assert manager.retry(campaign["id"], ["unknown"])["requeued"] == 1
        assert manager.join(campaign["id"], 30)
    assert ledger.counts(conn, campaign["id"])["sent"] == 4 and len(server.messages) == 4


def twilio_channel(conn, server):
    """A Twilio channel whose auth token goes to the keychain."""
    return channel_store.create(conn, {"name": "tw", "type": "twilio", "secrets": {"auth_token": server.auth_token},
                                       "config": {"account_sid": server.account_sid, "from_number": "+15005550006",
                                                  "api_base": server.base_url, "timeout": 1}})


def test_transient_errors_retry_with_backoff_then_fail(store):
    data_dir, conn = store
    with FakeTwilio() as server:
        campaign = make_campaign(conn, twilio_channel(conn, server), 3,
                                 {"per_minute": 60000, "max_attempts": 3, "retry_backoff": 5, "concurrency": 1})
        server.faults.queue("server_error", 3)   # the first recipient fails 3 times: gives up
        server.faults.queue("unavailable", 1)    # the second succeeds on its second try
        clock = FakeClock()
        run_to_end(CampaignManager(data_dir, clock), campaign["id"])
    rows = conn.execute("SELECT status, attempts, error_code FROM campaign_recipients ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("failed", 3, "twilio_20500"), ("sent", 2, None), ("sent", 1, None)]
    assert [m["to"] for m in server.messages] == numbers(3)[1:]
    assert sum(clock.naps) >= 5 + 10  # backoff doubled between attempts


def test_consecutive_failures_auto_pause(store):
    data_dir, conn = store
    with FakeTwilio() as server:
        server.reject.update(numbers(4))
        campaign = make_campaign(conn, twilio_channel(conn, server), 8,
                                 {"per_minute": 60000, "max_consecutive_failures": 3, "concurrency": 1})
        run_to_end(CampaignManager(data_dir, FakeClock()), campaign["id"])
    described = campaigns.describe(conn, campaign["id"])
    assert described["status"] == "paused"
    assert described["pause_reason"].startswith("consecutive_failures: 3 sends in a row failed")
    assert "twilio" in described["pause_reason"].lower() or "21211" in described["pause_reason"]
    assert described["counts"]["failed"] == 3 and described["counts"]["pending"] == 5


def test_bad_credentials_pause_without_burning_recipients(store):
    data_dir, conn = store
    with FakeTwilio() as server:
        channel = twilio_channel(conn, server)
        channel_store.update(conn, channel["id"], {"secrets": {"auth_token": "revoked"}})
        campaign = make_campaign(conn, channel, 3, {"per_minute": 60000})
        run_to_end(CampaignManager(data_dir, FakeClock()), campaign["id"])
    described = campaigns.describe(conn, campaign["id"])
    assert described["status"] == "paused" and described["pause_reason"].startswith("channel_error")
    assert described["counts"]["pending"] == 3 and server.messages == []


def test_pause_resume_and_cancel_at_any_time(store):
    data_dir, conn = store
    campaign = make_campaign(conn, dry_run_channel(conn), 40, {"per_minute": 1200, "concurrency": 1})
    manager = CampaignManager(data_dir, RealClock())
    manager.start(campaign["id"])
    time.sleep(0.5)
    manager.pause(campaign["id"])
    assert manager.join(campaign["id"], 10)
    paused_count = len(dry_run_lines(data_dir))
    assert 0 < paused_count < 40
    time.sleep(0.3)
    assert len(dry_run_lines(data_dir)) == paused_count  # nothing goes out while paused
    assert manager.pause(campaign["id"])["status"] == "paused"  # pausing twice is harmless
    manager.start(campaign["id"])
    time.sleep(0.3)
    manager.cancel(campaign["id"])
    assert manager.join(campaign["id"], 10)
    sent = [line["to"] for line in dry_run_lines(data_dir)]
    assert len(sent) == len(set(sent)) and len(sent) < 40
    counts = ledger.counts(conn, campaign["id"])
    assert counts["sent"] == len(sent) and counts["pending"] == 40 - len(sent)
    assert campaigns.describe(conn, campaign["id"])["status"] == "cancelled"
    with pytest.raises(DomainError) as err:
        manager.start(campaign["id"])
    assert err.value.code == "bad_state"


def test_concurrent_starts_start_one_run(store):
    data_dir, conn = store
    campaign = make_campaign(conn, dry_run_channel(conn), 30, {"per_minute": 60000})
    manager = CampaignManager(data_dir, FakeClock())
    results, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        try:
            results.append(manager.start(campaign["id"])["started"])
        except DomainError as err:
            # A start that arrives after the one run has already finished is refused, not run again.
            results.append(err.code)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert manager.join(campaign["id"], 30)
    assert results.count(True) == 1
    assert set(results) <= {True, False, "bad_state"}
    sent = [line["to"] for line in dry_run_lines(data_dir)]
    assert sorted(sent) == numbers(30)


def test_recovery_marks_in_flight_unknown_and_never_resends_sent(store):
    data_dir, conn = store
    campaign = make_campaign(conn, dry_run_channel(conn), 6, {"per_minute": 60000})
    # The state a kill -9 leaves: running, two sent, one in flight.
    ids = [r[0] for r in conn.execute("SELECT id FROM campaign_recipients ORDER BY id")]
    conn.execute("UPDATE campaigns SET status='running', run_id='dead', started_at=1 WHERE id=?", (campaign["id"],))
    conn.execute("UPDATE campaign_recipients SET status='sent', provider_id='x' WHERE id IN (?,?)", ids[:2])
    conn.execute("UPDATE campaign_recipients SET status='sending' WHERE id=?", (ids[2],))
    manager = CampaignManager(data_dir, FakeClock())
    assert manager.resume_interrupted() == [campaign["id"]]
    assert manager.join(campaign["id"], 30)
    statuses = [r[0] for r in conn.execute("SELECT status FROM campaign_recipients ORDER BY id")]
    assert statuses == ["sent", "sent", "unknown", "sent", "sent", "sent"]
    assert sorted(line["to"] for line in dry_run_lines(data_dir)) == numbers(6)[3:]
    assert campaigns.describe(conn, campaign["id"])["status"] == "completed"


def test_do_not_contact_is_skipped_at_creation_and_during_the_run(store):
    data_dir, conn = store
    dnc.add_values(conn, [numbers(3)[0]], "US")
    campaign = make_campaign(conn, dry_run_channel(conn), 3, {"per_minute": 60000, "start_at": 1_800_000_100})
    assert campaign["snapshot"]["do_not_contact"] == 1
    dnc.add_values(conn, [numbers(3)[2]], "US")  # added after the campaign was composed
    run_to_end(CampaignManager(data_dir, FakeClock()), campaign["id"])
    assert [line["to"] for line in dry_run_lines(data_dir)] == [numbers(3)[1]]
    assert ledger.counts(conn, campaign["id"])["skipped"] == 2


def test_email_campaign_uses_addresses_and_skips_contacts_without_one(store):
    data_dir, conn = store
    channel = channel_store.create(conn, {"name": "dry-mail", "type": "dry_run",
                                          "config": {"address": "email"}})
    created, _ = lists.create_list(conn, "mixed", [{"email": "a@example.org", "name": "A", "fields": {"City": "Oslo"}},
                                                   {"number": "+14155551000", "name": "No mail"}])
    campaign = campaigns.create(conn, {"name": "m", "list_id": created["id"], "channel_id": channel["id"],
                                       "subject": "For {{name}}", "body": "In {{City|your city}}",
                                       "pacing": {"per_minute": 60000}})
    assert campaign["snapshot"]["no_address"] == 1 and campaign["counts"]["total"] == 1
    run_to_end(CampaignManager(data_dir, FakeClock()), campaign["id"])
    assert [(m["to"], m["subject"], m["body"]) for m in dry_run_lines(data_dir, channel["id"])] == [
        ("a@example.org", "For A", "In Oslo")]


def test_hourly_cap_counts_ledger_attempts_across_runs(store):
    data_dir, conn = store
    campaign = make_campaign(conn, dry_run_channel(conn), 5, {"per_minute": 60000, "hourly_cap": 2})
    clock = FakeClock()
    start = clock.time()
    manager = CampaignManager(data_dir, clock)
    manager.start(campaign["id"])
    while ledger.counts(conn, campaign["id"])["sent"] < 1:
        time.sleep(0.01)
    manager.pause(campaign["id"])
    assert manager.join(campaign["id"], 30)
    # As a restarted sidecar: the old manager's timer must not outlive it, or its invariant check (every 15 s of
    # real time, 7,200 fake seconds of naps can take that long) sees the new run's campaign as its own orphan.
    manager.shutdown()
    run_to_end(CampaignManager(data_dir, clock), campaign["id"])  # a new run still sees the earlier attempts
    times = [r[0] for r in conn.execute("SELECT attempted_at FROM campaign_recipients ORDER BY attempted_at")]
    assert len(times) == 5 and times[2] - times[0] >= 3600 and times[4] - times[2] >= 3600
    assert clock.time() - start >= 7200


def test_whatsapp_template_campaign_renders_parameters_per_recipient(store):
    data_dir, conn = store
    with FakeWhatsApp() as server:
        channel = channel_store.create(conn, {"name": "wa-t", "type": "whatsapp",
                                              "secrets": {"access_token": server.token},
                                              "config": {"phone_number_id": server.phone_number_id,
                                                         "api_base": server.base_url, "message_type": "template",
                                                         "template_name": "spring_offer"}})
        campaign = make_campaign(conn, channel, 2, {"per_minute": 60000}, body="(template)", fields={"City": ""},
                                 options={"template_params": ["{{first_name}}", "{{City|your city}}"]})
        run_to_end(CampaignManager(data_dir, FakeClock()), campaign["id"])
    sent = sorted(server.messages, key=lambda m: m["to"])
    assert [m["template"]["name"] for m in sent] == ["spring_offer", "spring_offer"]
    assert [[p["text"] for p in m["template"]["components"][0]["parameters"]] for m in sent] == [
        ["User", "your city"], ["User", "your city"]]
