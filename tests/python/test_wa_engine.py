"""The WhatsApp Web engine process on its own (python-backend/wa-engine/engine.mjs), over its loopback API:
against the fake WhatsApp behind its socket, and once with the real Baileys library and no network."""
import json
import os
import shutil
import stat
import subprocess
import time

import pytest
import requests
from fakes.wa_web import FakeWhatsApp
from support.paths import REPO
from support.sidecar import wait_for

ENGINE_DIR = os.path.join(REPO, "python-backend", "wa-engine")
DE = "+4915112345678"


def node():
    """The Node executable; the test fails (not skips) without one: the channel needs it."""
    found = shutil.which("node")
    assert found, "node is not installed: the WhatsApp Web engine needs Node.js 20+"
    assert os.path.isdir(os.path.join(ENGINE_DIR, "node_modules")), "run scripts/setup: wa-engine has no node_modules"
    return found


class Engine:
    """A running engine process with its secret and port."""

    def __init__(self, session_dir, fake_url=None):
        env = dict(os.environ, WA_SESSION_DIR=session_dir, WA_SECRET="s3cret-for-tests")
        env.pop("WA_FAKE_SERVER", None)
        if fake_url:
            env["WA_FAKE_SERVER"] = fake_url
        self.session_dir = session_dir
        self.proc = subprocess.Popen([node(), "engine.mjs"], cwd=ENGINE_DIR, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.port = json.loads(self.proc.stdout.readline())["port"]
        self.url = "http://127.0.0.1:%d" % self.port
        self.headers = {"Authorization": "Bearer s3cret-for-tests"}

    def get(self, path):
        """GET with the secret."""
        return requests.get(self.url + path, headers=self.headers, timeout=30)

    def post(self, path, body=None):
        """POST JSON with the secret."""
        return requests.post(self.url + path, headers=self.headers, json=body or {}, timeout=60)

    def state(self):
        """The engine's state."""
        return self.get("/health").json()["state"]

    def wait(self, status, timeout=20):
        """Wait for STATUS; the state."""
        return wait_for(lambda: (lambda s: s if s["status"] == status else None)(self.state()), timeout=timeout)

    def close(self):
        """Close stdin (as a dying sidecar does) and collect the output."""
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        output = self.proc.stdout.read().decode() + self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return output


@pytest.fixture
def fake():
    """The fake WhatsApp with one German number on it."""
    with FakeWhatsApp(accounts={DE: DE.lstrip("+") + "@s.whatsapp.net"}, qr_interval=1.0) as server:
        yield server


@pytest.fixture
def linked(tmp_path, fake):
    """An engine linked to the fake phone."""
    engine = Engine(str(tmp_path / "session"), fake.url)
    engine.wait("waiting_for_scan")
    fake.link("+15550001111", "Ann")
    engine.wait("connected")
    yield engine
    engine.close()


def events(engine, kind, after=0):
    """The engine's events of KIND."""
    return [e for e in engine.get("/events?after=%d" % after).json()["events"] if e["type"] == kind]


def test_every_call_needs_the_secret(tmp_path, fake):
    engine = Engine(str(tmp_path / "s"), fake.url)
    try:
        assert requests.get(engine.url + "/health", timeout=5).status_code == 401
        wrong = requests.get(engine.url + "/health", headers={"Authorization": "Bearer nope"}, timeout=5)
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthorized"
        assert engine.get("/health").status_code == 200
    finally:
        engine.close()


def test_qr_rotates_and_linking_connects_as_the_phone(tmp_path, fake):
    engine = Engine(str(tmp_path / "s"), fake.url)
    try:
        first = engine.wait("waiting_for_scan")
        later = wait_for(lambda: (lambda s: s if s["qr_seq"] > first["qr_seq"] else None)(engine.state()), timeout=10)
        assert later["qr"] != first["qr"]
        fake.link("+15550001111", "Ann")
        state = engine.wait("connected")
        assert state["me"] == {"number": "+15550001111", "jid": "15550001111@s.whatsapp.net", "push_name": "Ann"}
    finally:
        engine.close()


def test_send_uses_the_chosen_id_after_typing_and_reports_acks(linked, fake):
    fake.ack_mode = "out_of_order"
    r = linked.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD11",
                              "text": "Hallo Ann", "typing_seconds": 0.3})
    assert r.status_code == 200 and r.json()["message_id"] == "3EB0AAAABBBBCCCCDDDD11"
    assert fake.inbox(DE)[0]["text"] == "Hallo Ann"
    kinds = [p[1] for p in fake.presences]
    assert kinds == ["composing", "paused"]
    assert fake.presences[1][2] - fake.presences[0][2] >= 0.25
    acks = wait_for(lambda: (lambda a: a if len(a) == 3 else None)(events(linked, "ack")), timeout=10)
    receipts = [a["status"] for a in acks if a["status"] != "server"]
    assert receipts == ["read", "delivered"]  # out of order, as the phone sent them
    assert [a["status"] for a in acks].count("server") == 1
    assert {a["message_id"] for a in acks} == {"3EB0AAAABBBBCCCCDDDD11"}


def test_duplicate_acks_are_reported_as_they_come(linked, fake):
    fake.ack_mode = "duplicate"
    linked.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD22", "text": "x"})
    acks = wait_for(lambda: (lambda a: a if len(a) == 5 else None)(events(linked, "ack")), timeout=10)
    assert sorted(a["status"] for a in acks) == ["delivered", "delivered", "read", "read", "server"]


def test_check_returns_the_canonical_id_or_not_on_whatsapp(linked, fake):
    fake.accounts["+5511987654321"] = "551187654321@s.whatsapp.net"
    r = linked.post("/check", {"numbers": ["+5511987654321", "+4917000000000"]})
    assert r.json()["results"] == [
        {"number": "+5511987654321", "exists": True, "jid": "551187654321@s.whatsapp.net"},
        {"number": "+4917000000000", "exists": False, "jid": None}]
    assert linked.post("/check", {"numbers": []}).status_code == 400


def test_attachments_go_with_their_name_size_and_the_text_as_caption(linked, fake, tmp_path):
    pdf = tmp_path / "offer.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"0" * 2048)
    r = linked.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD33",
                              "text": "Our offer", "attachment": {"path": str(pdf), "mime": "application/pdf",
                                                                  "file_name": "offer.pdf", "kind": "document"}})
    assert r.status_code == 200, r.text
    sent = fake.inbox(DE)[0]
    assert sent["text"] == "Our offer"
    assert sent["attachment"] == {"file_name": "offer.pdf", "size": pdf.stat().st_size, "mime": "application/pdf",
                                  "kind": "document"}
    gone = linked.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD34",
                                 "text": "x", "attachment": {"path": str(tmp_path / "missing.pdf"),
                                                             "mime": "application/pdf", "kind": "document"}})
    assert gone.status_code == 400 and gone.json()["error"]["code"] == "attachment_unreadable"


@pytest.mark.parametrize("status", [429, 463])
def test_rate_limits_are_reported_with_the_servers_status(linked, fake, status):
    fake.fail_next(status=status, retry_after=120)
    r = linked.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD44",
                              "text": "x"})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited" and r.json()["error"]["status"] == status
    assert r.json()["error"]["retry_after"] == 120
    assert fake.sent == []


def test_bad_requests_are_refused_before_anything_is_sent(linked, fake):
    for body in ({"jid": "x", "message_id": "3EB0AAAABBBBCCCCDDDD55", "text": "x"},
                 {"jid": "4915112345678@s.whatsapp.net", "message_id": "not hex!", "text": "x"},
                 {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD55"}):
        r = linked.post("/send", body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    assert fake.sent == []


def test_logout_from_the_phone_deletes_the_session(linked, fake):
    assert os.listdir(linked.session_dir)
    fake.logout_from_phone()
    state = linked.wait("logged_out")
    assert state["reason"].startswith("logged out from the phone")
    assert not os.path.exists(linked.session_dir)
    r = linked.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD66",
                              "text": "x"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "logged_out"


def test_unlink_from_the_app_logs_out_and_deletes_the_session(linked, fake):
    assert linked.post("/logout").status_code == 200
    assert linked.state()["status"] == "logged_out"
    assert not os.path.exists(linked.session_dir)
    assert fake.linked_sessions() == 0


def test_the_session_survives_a_restart_and_files_are_owner_only(tmp_path, fake):
    session = str(tmp_path / "s")
    first = Engine(session, fake.url)
    first.wait("waiting_for_scan")
    fake.link("+15550001111", "Ann")
    first.wait("connected")
    first.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD77",
                         "text": "Private words"})
    output = first.close()
    assert first.proc.returncode == 0, "the engine exits when its stdin closes"
    assert "Private words" not in output and "4915112345678" not in output
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(os.path.join(session, f)).st_mode) == 0o600 for f in os.listdir(session))
    again = Engine(session, fake.url)
    try:
        state = again.wait("connected")
        assert state["qr_seq"] == 0, "no QR code after a restart"
    finally:
        again.close()


def test_receipts_that_arrive_while_the_engine_is_down_are_delivered_on_the_next_start(tmp_path, fake):
    session = str(tmp_path / "s")
    fake.ack_mode, fake.ack_delay = "in_order", 0.5
    first = Engine(session, fake.url)
    first.wait("waiting_for_scan")
    fake.link()
    first.wait("connected")
    first.post("/send", {"jid": "4915112345678@s.whatsapp.net", "message_id": "3EB0AAAABBBBCCCCDDDD88", "text": "x"})
    first.proc.kill()  # before the receipts come
    first.close()
    time.sleep(1.5)
    again = Engine(session, fake.url)
    try:
        again.wait("connected")
        acks = wait_for(lambda: (lambda a: a if len(a) >= 2 else None)(events(again, "ack")), timeout=10)
        assert [a["status"] for a in acks] == ["delivered", "read"]
    finally:
        again.close()


def test_the_real_baileys_without_network_reports_cannot_connect_and_keeps_running(tmp_path):
    engine = Engine(str(tmp_path / "real"))  # no fake: the real library, which cannot reach WhatsApp here
    try:
        state = wait_for(lambda: (lambda s: s if s["status"] == "disconnected" else None)(engine.state()),
                         timeout=30)
        assert state["reason"].startswith("cannot connect to WhatsApp") or "connection" in state["reason"]
        time.sleep(1.0)
        assert engine.proc.poll() is None and engine.get("/health").status_code == 200
        assert engine.post("/check", {"numbers": [DE]}).json()["error"]["code"] == "not_connected"
    finally:
        engine.close()
