"""The linked WhatsApp Web devices of one data directory: one engine process per linked channel, its state,
and the pump that writes what the engine reports (acks, replies, logouts) into the ledger.

Process-wide per data directory (`for_data_dir`): the API, the runner's send threads and the pump share it.
Session files live in <data dir>/whatsapp-web/<channel id>/ (owner-only); nothing here logs or returns them.
"""
import logging
import os
import shutil
import threading
import time

from .. import channel_store, db, inbox, ledger
from ..channels.base import SendError
from .engine_process import EngineProcess, EngineUnavailable

log = logging.getLogger("messaging.whatsapp_web")
PUMP_WAIT = 20          # seconds a long-poll for engine events waits
RESTART_BACKOFF = (1, 2, 5, 10, 30, 60)
RATE_LIMIT_PAUSE = 6 * 3600.0  # an error ack of 429/463 without a time: stop sending for 6 h
RATE_LIMIT_ACKS = ("429", "463")
_registry, _registry_lock = {}, threading.Lock()
# The link state the API shows, as it is before anything is linked (its keys are the whole public shape).
NOT_LINKED = {"status": "not_linked", "qr": None, "qr_seq": 0, "pairing_code": None, "me": None, "reason": None}


def for_data_dir(data_dir):
    """The sessions of DATA_DIR (created on first use with the defaults; `configure` sets the real options)."""
    key = os.path.abspath(data_dir)
    with _registry_lock:
        if key not in _registry:
            _registry[key] = Sessions(key)
        return _registry[key]


def configure(data_dir, node=None, engine_dir=None, fake_server=None, campaigns=None, region=None, base_env=None):
    """Set how engines run for DATA_DIR (BASE_ENV: the environment they start from) and who pauses campaigns
    (the app's CampaignManager)."""
    sessions = for_data_dir(data_dir)
    sessions.node, sessions.engine_dir, sessions.fake_server = node, engine_dir, fake_server
    sessions.base_env = base_env
    sessions.campaigns, sessions.region = campaigns, region or sessions.region
    return sessions


def forget(data_dir):
    """Stop and drop the sessions of DATA_DIR (app shutdown, tests)."""
    with _registry_lock:
        sessions = _registry.pop(os.path.abspath(data_dir), None)
    if sessions is not None:
        sessions.shutdown()


class Sessions:
    """Every linked device of one data directory."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.node = self.engine_dir = self.fake_server = self.campaigns = self.base_env = None
        self.region = "US"
        self.links, self.lock = {}, threading.Lock()

    def link(self, channel_id):
        """The Link of CHANNEL_ID (not started)."""
        with self.lock:
            if channel_id not in self.links:
                self.links[channel_id] = Link(self, channel_id)
            return self.links[channel_id]

    def session_dir(self, channel_id):
        """Where CHANNEL_ID's session files live."""
        return os.path.join(self.data_dir, "whatsapp-web", str(channel_id))

    def start_linked(self, channel_ids):
        """Start the engines of channels that have a session on disk (at app start): no re-scan needed."""
        for channel_id in channel_ids:
            if os.path.isdir(self.session_dir(channel_id)):
                threading.Thread(target=self.link(channel_id).ensure_started, daemon=True,
                                 name="wa-start-%d" % channel_id).start()

    def connect(self):
        """A connection to the messaging store."""
        return db.connect(db.db_path(self.data_dir))

    def pause_campaigns(self, channel_id, reason, resume_at=None):
        """Pause the running campaigns of CHANNEL_ID with REASON (they stop claiming at once)."""
        if self.campaigns is None:
            return []
        conn = self.connect()
        try:
            ids = channel_store.running_campaigns(conn, channel_id)
        finally:
            conn.close()
        for campaign_id in ids:
            try:
                if resume_at is None:
                    self.campaigns.pause(campaign_id, reason)
                else:
                    self.campaigns.pause_until(campaign_id, reason, resume_at)
            except Exception as err:  # a campaign that just finished is no reason to stop the pump
                log.warning("campaign %d: could not pause: %s", campaign_id, err)
        return ids

    def interrupt_waits(self):
        """The process is stopping: every send waiting for an engine to connect gives up now (nothing was sent)
        instead of holding the shutdown for up to CONNECT_WAIT."""
        with self.lock:
            links = list(self.links.values())
        for link in links:
            link.interrupt()

    def shutdown(self):
        """Stop every engine (sessions stay on disk)."""
        with self.lock:
            links = list(self.links.values())
        for link in links:
            link.stop()


class Link:
    """One channel's device: its engine process, the last state it reported, and the event pump."""

    def __init__(self, sessions, channel_id):
        self.sessions, self.channel_id = sessions, channel_id
        self.engine, self.pump = None, None
        self.state = dict(NOT_LINKED)
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.stopping = False
        self.interrupted = False  # the process is stopping: sends waiting for a connection give up
        self.restarts = 0

    # Lifecycle ---------------------------------------------------------------------------------------

    def ensure_started(self):
        """Start the engine unless one runs; the state afterwards (engine_unavailable with the reason on failure)."""
        with self.lock:
            if self.engine is not None and self.engine.alive():
                return self.public_state()
            self.stopping = False
            self.set_state({"status": "starting", "reason": None})
            session_dir = self.sessions.session_dir(self.channel_id)
            os.makedirs(session_dir, mode=0o700, exist_ok=True)
            log_dir = os.path.join(self.sessions.data_dir, "logs")
            os.makedirs(log_dir, exist_ok=True)
            try:
                self.engine = EngineProcess(self.sessions.node, self.sessions.engine_dir, session_dir,
                                            self.sessions.fake_server,
                                            os.path.join(log_dir, "wa-engine-%d.log" % self.channel_id),
                                            self.sessions.base_env).start()
            except EngineUnavailable as err:
                self.engine = None
                self.set_state({"status": "engine_unavailable", "reason": str(err)})
                return self.public_state()
            self.pump = threading.Thread(target=self.run_pump, args=(self.engine,), daemon=True,
                                         name="wa-pump-%d" % self.channel_id)
            self.pump.start()
            return self.public_state()

    def interrupt(self):
        """Wake the sends waiting in connected_engine and make them give up (the process is stopping)."""
        with self.lock:
            self.interrupted = True
            self.changed.notify_all()

    def stop(self):
        """Stop the engine (the session stays on disk)."""
        with self.lock:
            self.stopping = True
            engine, self.engine = self.engine, None
        if engine is not None:
            engine.stop()

    def unlink(self):
        """Log the device out, delete the session files and forget the link."""
        with self.lock:
            engine = self.engine
        if engine is not None and engine.alive():
            try:
                engine.call("POST", "/logout", {}, timeout=15.0)
            except SendError:
                pass
        self.stop()
        shutil.rmtree(self.sessions.session_dir(self.channel_id), ignore_errors=True)
        self.forget_link()
        self.set_state({"status": "not_linked", "qr": None, "pairing_code": None, "me": None, "reason": None})
        return self.public_state()

    # State ---------------------------------------------------------------------------------------------

    def set_state(self, fields):
        """Merge FIELDS into the state and wake whoever waits for a change."""
        with self.lock:
            self.state.update(fields)
            self.changed.notify_all()

    def public_state(self):
        """The state as the API shows it (no session data)."""
        with self.lock:
            state = {k: self.state.get(k) for k in NOT_LINKED}
        if state["status"] == "not_linked" and os.path.isdir(self.sessions.session_dir(self.channel_id)):
            state["status"] = "starting"
        return state

    def connected_engine(self, wait):
        """The engine once connected (waiting up to WAIT seconds while it starts or reconnects), else a SendError
        the runner pauses the campaign with."""
        from ..channels.base import FATAL, RATE_LIMITED
        self.ensure_started()
        deadline = time.monotonic() + wait
        with self.lock:
            while True:
                status = self.state["status"]
                if status == "connected" and self.engine is not None and self.engine.alive():
                    return self.engine
                if self.interrupted:
                    raise SendError(RATE_LIMITED, "wa_stopping", "wa_stopping: the app is stopping; this message "
                                    "was not sent and stays pending.", retry_after=1.0)
                if status in ("logged_out", "not_linked", "engine_unavailable", "waiting_for_scan"):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.changed.wait(min(remaining, 1.0))
            reason = self.state.get("reason")
        if status == "logged_out":
            raise SendError(FATAL, "wa_logged_out", "wa_logged_out: the phone logged this device out (%s); link it "
                            "again under Channels." % (reason or "no reason given"))
        if status == "engine_unavailable":
            raise SendError(FATAL, "wa_engine_unavailable", "wa_engine_unavailable: %s" % reason)
        if status in ("waiting_for_scan", "not_linked"):
            raise SendError(FATAL, "wa_not_linked", "wa_not_linked: this WhatsApp channel is not linked; link it "
                            "under Channels.")
        raise SendError(FATAL, "wa_not_connected", "wa_not_connected: WhatsApp is not connected (%s)."
                        % (reason or status))

    # The pump --------------------------------------------------------------------------------------------

    def run_pump(self, engine):
        """Read the engine's events until it stops; a crash pauses the channel's campaigns and restarts it."""
        after = 0
        while engine.alive():
            try:
                status, answer = engine.call("GET", "/events?after=%d&wait=%d" % (after, PUMP_WAIT),
                                             timeout=PUMP_WAIT + 10)
            except SendError:
                if engine.alive():
                    time.sleep(0.2)
                continue
            if status != 200:
                time.sleep(0.5)
                continue
            for event in answer.get("events", []):
                self.handle(event)
            after = answer.get("last", after)
        self.engine_exited(engine)

    def engine_exited(self, engine):
        """The engine process is gone: unless we stopped it, pause the campaigns and restart it."""
        with self.lock:
            if self.stopping or self.engine is not engine:
                return
            self.engine = None
            code = engine.exit_code()
        reason = "whatsapp_engine_stopped: the WhatsApp Web engine stopped (exit code %s); messages in flight are " \
                 "marked unknown. Resume once it shows Connected again." % code
        log.error("channel %d: WhatsApp Web engine exited with %s", self.channel_id, code)
        self.set_state({"status": "disconnected", "reason": "the engine stopped (exit code %s); restarting" % code})
        self.sessions.pause_campaigns(self.channel_id, reason)
        delay = RESTART_BACKOFF[min(self.restarts, len(RESTART_BACKOFF) - 1)]
        self.restarts += 1
        timer = threading.Timer(delay, self.restart_after_crash)
        timer.daemon = True
        timer.start()

    def restart_after_crash(self):
        """Start the engine again after a crash (not after a stop, a logout or an unlink)."""
        with self.lock:
            if self.stopping or self.state["status"] in ("logged_out", "not_linked"):
                return
        self.ensure_started()

    def handle(self, event):
        """Apply one engine event."""
        kind = event.get("type")
        if kind == "state":
            self.on_state(event["state"])
        elif kind == "ack":
            self.on_ack(event)
        elif kind == "incoming":
            self.on_incoming(event)

    def on_state(self, state):
        """A new engine state: remember the link, pause campaigns on a logout."""
        status = state.get("status")
        # The link is written before the state is shown: whoever sees 'connected' also finds its link date, and
        # whoever sees 'logged_out' finds no link left and the campaigns already paused.
        if status == "connected":
            self.restarts = 0
            self.remember_link(state.get("me") or {})
        elif status == "logged_out":
            self.forget_link()
            self.sessions.pause_campaigns(self.channel_id, "wa_logged_out: the phone logged this device out (%s); "
                                          "link it again under Channels." % (state.get("reason") or "no reason"))
        self.set_state({k: state.get(k) for k in ("status", "qr", "qr_seq", "pairing_code", "me", "reason")})

    def on_ack(self, event):
        """Write an ack to the ledger; an error ack of 429/463 pauses the channel's campaigns for 6 hours."""
        ts = event.get("ts", time.time() * 1000) / 1000.0
        conn = self.sessions.connect()
        try:
            with db.transaction(conn):
                ledger.record_ack(conn, event["message_id"], event["status"], ts, event.get("jid"), event.get("error"))
        finally:
            conn.close()
        if event["status"] == "error" and str(event.get("error")) in RATE_LIMIT_ACKS:
            until = time.time() + RATE_LIMIT_PAUSE
            self.sessions.pause_campaigns(self.channel_id, "whatsapp_rate_limited: WhatsApp answered %s (too many "
                                          "messages); sending resumes by itself in 6 hours." % event["error"], until)

    def on_incoming(self, event):
        """A reply: into the inbox, where opt-out words put the sender on the consent list."""
        ts = event.get("ts", time.time() * 1000) / 1000.0
        conn = self.sessions.connect()
        try:
            with db.transaction(conn):
                inbox.receive(conn, self.channel_id, event.get("number"), "number", event.get("text", ""),
                              event.get("message_id"), ts, event.get("push_name"))
        finally:
            conn.close()

    def remember_link(self, me):
        """Record the linked number (the link date is kept while the same number stays linked)."""
        conn = self.sessions.connect()
        now = time.time()
        try:
            with db.transaction(conn):
                row = conn.execute("SELECT jid FROM wa_links WHERE channel_id=?", (self.channel_id,)).fetchone()
                if row is not None and row[0] == me.get("jid"):
                    conn.execute("UPDATE wa_links SET push_name=?, updated_at=? WHERE channel_id=?",
                                 (me.get("push_name"), now, self.channel_id))
                else:
                    conn.execute("INSERT INTO wa_links (channel_id, number, jid, push_name, linked_at, updated_at) "
                                 "VALUES (?,?,?,?,?,?) ON CONFLICT (channel_id) DO UPDATE SET number=excluded.number, "
                                 "jid=excluded.jid, push_name=excluded.push_name, linked_at=excluded.linked_at, "
                                 "updated_at=excluded.updated_at", (self.channel_id, me.get("number"),
                                                                    me.get("jid"), me.get("push_name"), now, now))
        finally:
            conn.close()

    def forget_link(self):
        """The device is no longer linked."""
        conn = self.sessions.connect()
        try:
            with db.transaction(conn):
                conn.execute("DELETE FROM wa_links WHERE channel_id=?", (self.channel_id,))
        finally:
            conn.close()

    def linked_at(self):
        """When the current number was linked (epoch seconds), or None."""
        conn = self.sessions.connect()
        try:
            row = conn.execute("SELECT linked_at FROM wa_links WHERE channel_id=?", (self.channel_id,)).fetchone()
            return row[0] if row else None
        finally:
            conn.close()
