"""A fake WhatsApp for the WhatsApp Web channel: its servers and its users' phones, on loopback.

The engine (python-backend/wa-engine/engine.mjs) runs for real; only Baileys' socket is replaced, by
fake-socket.mjs, which plays this server over HTTP (/device/*). Tests script it through the Python API below;
browser tests, which run in Node, use the same script through /control/* with the server run standalone:

    python tests/python/fakes/wa_web.py [--qr-interval S]   -> prints {"url": ...}, serves until stdin closes

What it models: QR codes that rotate, linking by QR or pairing code, a session that stays linked across
engine restarts, 'is this number on WhatsApp' with canonical ids, per-message acks (in order, out of order,
duplicated, none; error acks), 429/463/500 answers, a crash of the engine between send and ack, a logout from
the phone, incoming replies, and receipts queued while the device is offline. A recipient's phone shows
messages by message id (WhatsApp's message key), so a resend with the same id shows once.
"""
import argparse
import http.server
import itertools
import json
import secrets
import sys
import threading
import time

ACK_CODES = {"server": 2, "delivered": 3, "read": 4, "played": 5, "error": 0}


def digits(number):
    """The digits of a phone number."""
    return "".join(ch for ch in str(number) if ch.isdigit())


def jid_of(number):
    """The personal chat id of NUMBER."""
    return digits(number) + "@s.whatsapp.net"


class Session:
    """One linked (or linking) device, identified by the id the engine keeps in its session files."""

    def __init__(self, session_id):
        self.id, self.linked, self.number, self.push_name = session_id, False, None, None
        self.events, self.confirmed, self.connection = [], 0, None
        self.last_qr, self.pairing_code = 0.0, None


class FakeWhatsApp:
    """The fake WhatsApp servers and phones; a context manager running a loopback HTTP server."""

    def __init__(self, accounts=None, qr_interval=20.0):
        self.accounts = {"+" + digits(k): v for k, v in (accounts or {}).items()}
        self.qr_interval = qr_interval
        self.ack_mode, self.ack_delay, self.acks = "in_order", 0.0, ("delivered", "read")
        self.sessions, self.sent, self.presences, self.checks = {}, [], [], 0
        self.pairing_codes = []
        self.failures, self.crashes, self.error_acks = [], 0, set()
        self.offline = False  # WhatsApp cannot be reached: every device request is cut without an answer
        self.lock = threading.Condition()
        self.seq = itertools.count(1)
        self.connections = itertools.count(1)
        fake = self

        class Handler(DeviceHandler):
            server_fake = fake

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # The test's side ------------------------------------------------------------------------------------

    @property
    def url(self):
        """http://127.0.0.1:<port>"""
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def add_accounts(self, numbers, jid=None):
        """Put NUMBERS on WhatsApp (each with its own chat id, or JID for all of them)."""
        with self.lock:
            for number in numbers:
                self.accounts["+" + digits(number)] = jid or jid_of(number)

    def waiting_session(self):
        """The session now showing a QR code (the newest one that is not linked)."""
        waiting = [s for s in self.sessions.values() if not s.linked and s.connection is not None]
        return waiting[-1] if waiting else None

    def link(self, number="+15550001111", push_name="Test Phone"):
        """The user scanned the QR code (or typed the pairing code): the waiting device connects."""
        with self.lock:
            session = self.waiting_session()
            assert session is not None, "no device is waiting to be linked"
            session.linked, session.number, session.push_name = True, "+" + digits(number), push_name
            self.push(session, "open", connection=session.connection, jid=jid_of(number), name=push_name)

    def logout_from_phone(self):
        """The phone removed every linked device."""
        with self.lock:
            for session in self.sessions.values():
                if session.linked:
                    session.linked = False
                    self.push(session, "close", connection=session.connection, code=401,
                              message="Stream Errored (conflict)")

    def go_offline(self, offline=True):
        """Cut (or restore) the devices' network to WhatsApp: requests get no answer, long-polls end at once."""
        with self.lock:
            self.offline = offline
            self.lock.notify_all()

    def fail_next(self, status=429, retry_after=None, count=1):
        """Refuse the next COUNT sends with STATUS."""
        with self.lock:
            self.failures.extend([(status, retry_after)] * count)

    def error_ack_for(self, number):
        """Messages to NUMBER are accepted, then get an error ack."""
        self.error_acks.add("+" + digits(number))

    def crash_after_accept(self, count=1):
        """The next COUNT sends are stored, then the engine process dies before it hears back."""
        with self.lock:
            self.crashes += count

    def incoming(self, from_number, text, push_name=""):
        """A contact writes to the linked account."""
        with self.lock:
            for session in self.sessions.values():
                if session.linked:
                    self.push(session, "incoming", id="IN" + secrets.token_hex(8).upper(), jid=jid_of(from_number),
                              text=text, push_name=push_name)

    def inbox(self, number):
        """What NUMBER's phone shows: messages to it, one per message id."""
        target = self.accounts.get("+" + digits(number), jid_of(number))
        seen, shown = set(), []
        with self.lock:
            for message in self.sent:
                if message["jid"] == target and message["message_id"] not in seen:
                    seen.add(message["message_id"])
                    shown.append(message)
        return shown

    def linked_sessions(self):
        """How many devices are linked now."""
        return sum(s.linked for s in self.sessions.values())

    # The device's side (called by the handler) ----------------------------------------------------------

    def push(self, session, kind, **fields):
        """Queue an event for SESSION (caller holds the lock) and wake its long-poll."""
        session.events.append(dict(fields, type=kind, seq=next(self.seq)))
        self.lock.notify_all()

    def connect(self, body):
        """A device (re)connects: linked sessions open at once, others get a QR code."""
        with self.lock:
            session = self.sessions.setdefault(body["session"], Session(body["session"]))
            session.connection = next(self.connections)
            if session.linked:
                self.push(session, "open", connection=session.connection, jid=jid_of(session.number),
                          name=session.push_name)
            else:
                self.new_qr(session)
            return {"connection": session.connection}

    def new_qr(self, session):
        """Show a fresh QR code on SESSION's device (caller holds the lock)."""
        session.last_qr = time.monotonic()
        self.push(session, "qr", connection=session.connection,
                  qr="2@%s,%s,%s" % (secrets.token_urlsafe(24), secrets.token_urlsafe(16), session.id[:8]))

    def events(self, body):
        """Long-poll: this connection's events and the session's unconfirmed acks after body['after']."""
        deadline = time.monotonic() + min(float(body.get("wait", 0)), 20.0)
        with self.lock:
            session = self.sessions[body["session"]]
            after = body["after"] if body["after"] >= 0 else session.confirmed
            session.confirmed = max(session.confirmed, after)
            while True:
                if not session.linked and session.connection == body["connection"] and \
                        time.monotonic() - session.last_qr >= self.qr_interval:
                    self.new_qr(session)
                found = [e for e in session.events if e["seq"] > after and
                         (e["type"] in ("ack", "incoming") or e.get("connection") == body["connection"])]
                remaining = deadline - time.monotonic()
                if self.offline:
                    raise ConnectionAbortedError("offline")
                if found or remaining <= 0 or session.connection != body["connection"]:
                    last = max([after] + [e["seq"] for e in found])
                    return {"events": found, "last": last}
                self.lock.wait(min(remaining, max(0.05, self.qr_interval / 4)))

    def send(self, body):
        """Accept a message (or refuse it as scripted), then deliver its acks."""
        with self.lock:
            session = self.sessions.get(body["session"])
            if session is None or not session.linked:
                return {"error": {"status": 401, "message": "not logged in"}}
            if self.failures:
                status, retry_after = self.failures.pop(0)
                return {"error": {"status": status, "message": "rate-overlimit" if status in (429, 463) else
                                  "internal-server-error", "retry_after": retry_after}}
            number = "+" + digits(body["jid"].split("@")[0])
            message = {"message_id": body["id"], "jid": body["jid"], "number": number, "text": body["text"],
                       "attachment": body.get("attachment"), "ts": time.time()}
            self.sent.append(message)
            crash = self.crashes > 0
            self.crashes -= crash
        self.schedule_acks(session, message)
        return {"crash": True} if crash else {"ok": True}

    def schedule_acks(self, session, message):
        """The recipient's phone answers with receipts, as the ack mode says."""
        if message["jid"] not in self.accounts.values():
            return  # nobody on WhatsApp behind this id: the message is never delivered
        statuses = ["error"] if message["number"] in self.error_acks else list(self.acks)
        if self.ack_mode == "none":
            return
        if self.ack_mode == "out_of_order":
            statuses.reverse()
        if self.ack_mode == "duplicate":
            statuses = [s for s in statuses for _ in (0, 1)]

        def deliver():
            for status in statuses:
                time.sleep(self.ack_delay)
                with self.lock:
                    self.push(session, "ack", id=message["message_id"], jid=message["jid"],
                              status=ACK_CODES[status], error="479" if status == "error" else None)
        threading.Thread(target=deliver, daemon=True).start()

    def check(self, body):
        """Is this number on WhatsApp, and under which id."""
        with self.lock:
            self.checks += 1
            session = self.sessions.get(body["session"])
            if session is None or not session.linked:
                return {"error": {"status": 401, "message": "not logged in"}}
            jid = self.accounts.get("+" + digits(body["number"]))
            return {"exists": jid is not None, "jid": jid}

    def pair(self, body):
        """A pairing code for typing on the phone instead of scanning."""
        code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTVWXYZ0123456789") for _ in range(8))
        with self.lock:
            self.sessions[body["session"]].pairing_code = code
            self.pairing_codes.append(code)
        return {"code": code}

    def presence(self, body):
        """Typing indicators, recorded with their time."""
        with self.lock:
            self.presences.append((body["jid"], body["type"], time.time()))
        return {"ok": True}

    def device_logout(self, body):
        """The app unlinked itself."""
        with self.lock:
            session = self.sessions.get(body["session"])
            if session is not None:
                session.linked = False
        return {"ok": True}


class QuietServer(http.server.ThreadingHTTPServer):
    """Threaded; a killed engine's vanished long-poll (a broken pipe) is no error worth printing."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        """Ignore clients that went away; report anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class DeviceHandler(http.server.BaseHTTPRequestHandler):
    """Routes /device/* (the fake socket) and /control/* (browser tests) to the fake."""

    server_fake = None

    def log_message(self, *args):
        """Quiet."""

    def do_POST(self):
        """One JSON request."""
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        fake = self.server_fake
        routes = {"/device/connect": fake.connect, "/device/events": fake.events, "/device/send": fake.send,
                  "/device/check": fake.check, "/device/pair": fake.pair, "/device/presence": fake.presence,
                  "/device/logout": fake.device_logout,
                  "/control/link": lambda b: fake.link(b.get("number", "+15550001111"), b.get("push_name", "Test Phone")),
                  "/control/logout": lambda b: fake.logout_from_phone(),
                  "/control/incoming": lambda b: fake.incoming(b["from"], b["text"], b.get("push_name", "")),
                  "/control/ack-mode": lambda b: setattr(fake, "ack_mode", b["mode"]),
                  "/control/accounts": lambda b: fake.add_accounts(b["numbers"])}
        route = routes.get(self.path)
        if route is None:
            return self.answer(404, {"error": "no such path"})
        if fake.offline and self.path.startswith("/device/"):
            self.close_connection = True  # like a network that is down: no answer at all
            return None
        try:
            return self.answer(200, route(body) or {"ok": True})
        except ConnectionAbortedError:
            self.close_connection = True
            return None
        except (AssertionError, KeyError) as err:
            return self.answer(409, {"error": str(err)})

    def do_GET(self):
        """/control/sent: every accepted message; /control/state: linked devices and waiting QR codes."""
        fake = self.server_fake
        if self.path == "/control/sent":
            with fake.lock:
                return self.answer(200, {"sent": list(fake.sent)})
        if self.path == "/control/state":
            return self.answer(200, {"linked": fake.linked_sessions(), "waiting": fake.waiting_session() is not None,
                                     "pairing_codes": list(fake.pairing_codes)})
        return self.answer(404, {"error": "no such path"})

    def answer(self, status, body):
        """Write a JSON answer."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main(argv=None):
    """Run standalone until stdin closes (browser tests start it as a child process)."""
    parser = argparse.ArgumentParser(description="The fake WhatsApp for browser tests.")
    parser.add_argument("--qr-interval", type=float, default=20.0)
    args = parser.parse_args(argv)
    with FakeWhatsApp(qr_interval=args.qr_interval) as fake:
        print(json.dumps({"url": fake.url}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
