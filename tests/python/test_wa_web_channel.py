"""The WhatsApp Web channel end to end: the real sidecar, the real Node engine, and the fake WhatsApp behind the
engine's socket (tests/python/fakes/wa_web.py). Linking, sending with the ledger's message ids, acks, skips,
rate limits, logouts, engine crashes, opt-out replies and the session's privacy."""
import os
import signal
import stat
import time

import pytest
from support import whatsapp
from support.delivery import finished, rows
from support.sidecar import Sidecar, wait_for
from support.whatsapp import link_state, linked_channel, wait_status

FAST = {"per_minute": 6000, "min_delay": 0, "max_delay": 0, "batch_size": None, "batch_size_max": None,
        "batch_pause_max": None, "warmup": False}
NUMBERS = ["+4915112345%03d" % i for i in range(6)]


@pytest.fixture
def fake():
    """The fake WhatsApp with NUMBERS on it."""
    yield from whatsapp.fake_with(NUMBERS)


@pytest.fixture
def api(tmp_path, fake):
    """A real sidecar whose engines talk to the fake."""
    yield from whatsapp.sidecar_for(tmp_path, fake)


def campaign(api, channel_id, numbers, pacing=None, body="Hello {{name}}"):
    """A started campaign to NUMBERS; its id."""
    contacts = [{"number": n, "name": "R%d" % i} for i, n in enumerate(numbers)]
    listed = api.post("/lists", {"name": "wa %d" % time.monotonic_ns(), "contacts": contacts})
    assert listed.status_code == 201, listed.text
    r = api.post("/campaigns", {"name": "wa", "list_id": listed.json()["list"]["id"], "channel_id": channel_id,
                                "body": body, "pacing": dict(FAST, **(pacing or {}))})
    assert r.status_code == 201, r.text
    campaign_id = r.json()["id"]
    started = api.post("/campaigns/%d/start" % campaign_id)
    assert started.status_code == 200, started.text
    return campaign_id


def test_link_by_qr_shows_rotating_codes_then_connected_as_the_phone(api, fake):
    r = api.post("/channels", {"name": "WA", "type": "whatsapp_web", "config": {}})
    channel_id = r.json()["id"]
    api.post("/channels/%d/whatsapp-web/link" % channel_id)
    first = wait_status(api, channel_id, "waiting_for_scan")
    assert first["qr"] and first["qr"].startswith("2@")
    rotated = wait_for(lambda: (lambda s: s if s["qr_seq"] > first["qr_seq"] else None)(link_state(api, channel_id)),
                       timeout=10)
    assert rotated["qr"] != first["qr"]
    fake.link(number="+15550001111", push_name="Ann")
    state = wait_status(api, channel_id, "connected")
    assert state["me"] == {"number": "+15550001111", "jid": "15550001111@s.whatsapp.net", "push_name": "Ann"}
    assert state["qr"] is None and state["linked_at"] is not None


def test_pairing_code_is_eight_characters_and_comes_from_the_server(api, fake):
    channel_id = api.post("/channels", {"name": "WA", "type": "whatsapp_web", "config": {}}).json()["id"]
    api.post("/channels/%d/whatsapp-web/link" % channel_id)
    wait_status(api, channel_id, "waiting_for_scan")
    r = api.post("/channels/%d/whatsapp-web/pair-phone" % channel_id, {"number": "+15550001111"})
    assert r.status_code == 200, r.text
    assert len(r.json()["code"]) == 8 and r.json()["code"] in fake.pairing_codes
    bad = api.post("/channels/%d/whatsapp-web/pair-phone" % channel_id, {"number": "12"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_param"


def test_campaign_sends_once_each_with_the_ledger_ids_and_acks_reach_read(api, fake):
    fake.ack_mode = "out_of_order"
    channel_id = linked_channel(api, fake)
    campaign_id = campaign(api, channel_id, NUMBERS[:4])
    assert finished(api, campaign_id)["status"] == "completed"
    ledger = rows(api, campaign_id)
    for number in NUMBERS[:4]:
        shown = fake.inbox(number)
        assert len(shown) == 1, number
        assert shown[0]["message_id"] == ledger[number]["provider_id"]
        assert shown[0]["text"].startswith("Hello R")
    counts = wait_for(lambda: (lambda c: c if c["read"] == 4 else None)(
        api.get("/campaigns/%d" % campaign_id).json()["counts"]), timeout=15)
    assert counts["sent"] == 4 and counts["delivered"] == 4


def test_duplicate_acks_are_harmless_and_an_error_ack_marks_delivery_failed(api, fake):
    fake.ack_mode = "duplicate"
    fake.error_ack_for(NUMBERS[1])
    channel_id = linked_channel(api, fake)
    campaign_id = campaign(api, channel_id, NUMBERS[:2])
    finished(api, campaign_id)
    counts = wait_for(lambda: (lambda c: c if c["read"] == 1 and c["delivery_failed"] == 1 else None)(
        api.get("/campaigns/%d" % campaign_id).json()["counts"]), timeout=15)
    assert counts["sent"] == 2 and counts["delivered"] == 1


def test_numbers_not_on_whatsapp_are_skipped_never_sent_and_the_canonical_id_is_used(api, fake):
    # An account registered before Brazil's ninth digit: the server answers with the id without it.
    brazil_asked, brazil_jid = "+5511987654321", "551187654321@s.whatsapp.net"
    fake.accounts[brazil_asked] = brazil_jid
    channel_id = linked_channel(api, fake)
    campaign_id = campaign(api, channel_id, [NUMBERS[0], "+4917000000000", brazil_asked])
    assert finished(api, campaign_id)["status"] == "completed"
    ledger = rows(api, campaign_id)
    assert ledger["+4917000000000"]["status"] == "skipped"
    assert ledger["+4917000000000"]["error_code"] == "not_on_whatsapp"
    assert not [m for m in fake.sent if m["number"] == "+4917000000000"]
    assert [m["jid"] for m in fake.sent if m["jid"] == brazil_jid] == [brazil_jid]
    assert fake.inbox(brazil_asked)


@pytest.mark.parametrize("status", [429, 463])
def test_rate_limit_answers_pause_the_campaign_until_a_time(api, fake, status):
    channel_id = linked_channel(api, fake)
    fake.fail_next(status=status, retry_after=None)
    campaign_id = campaign(api, channel_id, NUMBERS[:3])
    stopped = finished(api, campaign_id)
    assert stopped["status"] == "paused"
    assert "whatsapp_rate_limited" in stopped["pause_reason"] and str(status) in stopped["pause_reason"]
    assert stopped["resume_at"] is not None
    assert rows(api, campaign_id)[NUMBERS[0]]["status"] == "pending"  # refused: nothing went out
    assert fake.sent == []


def test_logout_from_the_phone_pauses_with_the_reason_and_deletes_the_session(api, fake, tmp_path):
    channel_id = linked_channel(api, fake)
    session_dir = os.path.join(api.data_dir, "whatsapp-web", str(channel_id))
    assert os.path.isdir(session_dir)
    fake.logout_from_phone()
    state = wait_status(api, channel_id, "logged_out")
    assert "logged out" in state["reason"]
    assert not os.path.exists(session_dir)
    campaign_id = campaign(api, channel_id, NUMBERS[:2])
    stopped = finished(api, campaign_id)
    assert stopped["status"] == "paused" and stopped["pause_reason"].startswith("wa_logged_out")


def test_the_session_survives_a_sidecar_restart_without_a_new_scan(tmp_path, fake):
    first = Sidecar(tmp_path, env={"BULKMSG_WA_FAKE_SERVER": fake.url}).start()
    try:
        channel_id = linked_channel(first, fake)
    finally:
        first.stop()
    again = Sidecar(tmp_path, env={"BULKMSG_WA_FAKE_SERVER": fake.url}).start()
    try:
        state = wait_status(again, channel_id, "connected")
        assert state["me"]["number"] == "+15550001111"
        assert fake.waiting_session() is None  # no QR was shown
    finally:
        again.stop()


def test_unlink_logs_out_and_removes_the_session_files(api, fake):
    channel_id = linked_channel(api, fake)
    session_dir = os.path.join(api.data_dir, "whatsapp-web", str(channel_id))
    r = api.post("/channels/%d/whatsapp-web/unlink" % channel_id)
    assert r.status_code == 200 and r.json()["status"] == "not_linked"
    assert not os.path.exists(session_dir)
    assert fake.linked_sessions() == 0


def test_session_files_are_owner_only_and_never_in_answers_or_logs(api, fake):
    channel_id = linked_channel(api, fake)
    session_dir = os.path.join(api.data_dir, "whatsapp-web", str(channel_id))
    assert stat.S_IMODE(os.stat(session_dir).st_mode) == 0o700
    files = [os.path.join(session_dir, f) for f in os.listdir(session_dir)]
    assert files and all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)
    campaign_id = campaign(api, channel_id, NUMBERS[:1], body="Secret text for {{name}}")
    finished(api, campaign_id)
    with open(os.path.join(session_dir, "creds.json")) as f:
        key_material = f.read()[:200]
    everything = api.get("/channels/%d/whatsapp-web" % channel_id).text + api.get("/channels").text
    assert "noiseKey" not in everything and "creds" not in everything
    logs = "".join(read_text(os.path.join(api.data_dir, "logs", name))
                   for name in os.listdir(os.path.join(api.data_dir, "logs")))
    assert "Secret text" not in logs and key_material not in logs


def test_replies_land_in_the_inbox_and_a_stop_reply_goes_on_the_consent_list(api, fake):
    channel_id = linked_channel(api, fake)
    campaign_id = campaign(api, channel_id, NUMBERS[:2])
    finished(api, campaign_id)
    fake.incoming(NUMBERS[0], "  Stop! ", push_name="Rita")
    fake.incoming(NUMBERS[1], "stop by the shop tomorrow?")
    conversations = wait_for(lambda: (lambda c: c if len(c) == 2 else None)(api.get("/inbox").json()["conversations"]),
                             timeout=15)
    by_address = {c["address"]: c for c in conversations}
    assert by_address[NUMBERS[0]]["name"] == "Rita" and by_address[NUMBERS[0]]["campaign_id"] == campaign_id
    entries = api.get("/do-not-contact").json()["entries"]
    assert [(e["value"], e["source"], e["channel_id"]) for e in entries] == [(NUMBERS[0], "keyword", channel_id)]
    assert api.get("/campaigns/%d" % campaign_id).json()["counts"]["replied"] == 2
    answered = api.post("/inbox/reply", {"channel_id": channel_id, "address": NUMBERS[1], "body": "Sure, 10 am"})
    assert answered.status_code == 201, answered.text
    wait_for(lambda: any(m["text"] == "Sure, 10 am" for m in fake.sent), timeout=15)


def test_engine_killed_mid_campaign_pauses_with_a_reason_then_resumes_without_double_sends(api, fake):
    fake.ack_delay = 0.05
    channel_id = linked_channel(api, fake)
    campaign_id = campaign(api, channel_id, NUMBERS, pacing={"per_minute": 120})
    wait_for(lambda: len(fake.sent) >= 2, timeout=30)
    engine_pids = whatsapp.engine_pids(api.data_dir)
    assert len(engine_pids) == 1
    os.kill(engine_pids[0], signal.SIGKILL)
    stopped = finished(api, campaign_id)
    assert stopped["status"] == "paused" and stopped["pause_reason"].startswith("whatsapp_engine_stopped")
    wait_status(api, channel_id, "connected")
    assert api.post("/campaigns/%d/resume" % campaign_id).status_code == 200
    done = finished(api, campaign_id)
    if done["counts"]["unknown"]:
        retried = api.post("/campaigns/%d/retry" % campaign_id, {"statuses": ["unknown"]}).json()
        assert retried["reconciled"] + retried["still_unknown"] >= 1
        done = finished(api, campaign_id)
    assert done["status"] == "completed" and done["counts"]["sent"] == len(NUMBERS)
    assert all(len(fake.inbox(n)) == 1 for n in NUMBERS)


def test_a_crash_between_send_and_ack_is_reconciled_from_the_acks_before_any_retry(api, fake):
    channel_id = linked_channel(api, fake)
    fake.crash_after_accept(1)
    campaign_id = campaign(api, channel_id, NUMBERS[:2])
    stopped = finished(api, campaign_id)
    assert stopped["status"] == "paused"
    wait_status(api, channel_id, "connected")
    # The receipts for the message the crash hid arrive on the new connection and settle its row.
    settled = wait_for(lambda: (lambda r: r if r[NUMBERS[0]]["status"] == "sent" else None)(rows(api, campaign_id)),
                       timeout=20)
    assert settled[NUMBERS[0]]["provider_id"] == fake.sent[0]["message_id"]
    api.post("/campaigns/%d/resume" % campaign_id)
    assert finished(api, campaign_id)["status"] == "completed"
    assert [len(fake.inbox(n)) for n in NUMBERS[:2]] == [1, 1]


def read_text(path):
    """A file's text (undecodable bytes replaced)."""
    with open(path, errors="replace") as f:
        return f.read()


def test_engine_unavailable_is_a_clear_state_not_a_crash(tmp_path, fake):
    server = Sidecar(tmp_path, env={"BULKMSG_WA_FAKE_SERVER": fake.url, "BULKMSG_WA_NODE": "/nonexistent/node"})
    server.start()
    try:
        channel_id = server.post("/channels", {"name": "WA", "type": "whatsapp_web", "config": {}}).json()["id"]
        r = server.post("/channels/%d/whatsapp-web/link" % channel_id)
        assert r.status_code == 200 and r.json()["status"] == "engine_unavailable"
        assert "Node.js" in r.json()["reason"]
        assert server.get("/health").status_code == 200
    finally:
        server.stop()


@pytest.mark.slow
def test_a_rate_limit_with_a_time_resumes_the_campaign_by_itself(api, fake):
    channel_id = linked_channel(api, fake)
    fake.fail_next(status=429, retry_after=1)
    campaign_id = campaign(api, channel_id, NUMBERS[:2])
    paused = finished(api, campaign_id)
    assert paused["status"] == "paused" and paused["resume_at"] is not None
    done = wait_for(lambda: (lambda c: c if c["status"] == "completed" else None)(
        api.get("/campaigns/%d" % campaign_id).json()), timeout=60)  # the runner's monitor resumes it
    assert done["counts"]["sent"] == 2 and [len(fake.inbox(n)) for n in NUMBERS[:2]] == [1, 1]
