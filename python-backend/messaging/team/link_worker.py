"""The worker's side of WhatsApp Web linking (links.py): take the session, carry out the request, publish.

Every look of the worker's loop: for each channel with a link row, a worker takes the channel's session lease when
it is free or expired (the same atomic take as for campaigns: only the holder acts, two workers never both run
an engine for it), starts the engine in ITS data directory (the session files on this machine connect without
a scan; a worker without them shows a new QR code: the channel must be linked again), carries out the latest
request and writes the engine's state for the API whenever it changes.
"""
import logging

from ..channels.base import SendError
from ..whatsapp_web import sessions as wa_sessions
from . import links

log = logging.getLogger("messaging.team")
PAIR_TIMEOUT = 30.0


class LinkServer:
    """The link requests and states of one worker process (its WorkerProcess gives the lease and clock)."""

    def __init__(self, worker):
        self.worker = worker
        self.published = {}  # channel id -> the state last written

    def look(self, conn):
        """Serve every channel with a link row: take free sessions, act on requests, publish states."""
        for channel_id, kind, seq, done, number in links.wanted(conn):
            pending = seq > done
            if kind == "unlink" and not pending:
                continue
            fresh = channel_id not in self.worker.held_sessions  # the heartbeat renews the ones held
            if fresh and not self.worker.hold_session(conn, channel_id):
                self.published.pop(channel_id, None)
                continue
            link = wa_sessions.for_data_dir(self.worker.data_dir).link(channel_id)
            try:
                if pending:
                    self.carry_out(conn, link, kind, seq, number)
                elif fresh:
                    link.ensure_started()  # a session this worker just took over (not after a logout)
                if kind != "unlink":
                    self.publish(conn, link)
            except SendError as err:  # an engine that stopped answering: the pump restarts it
                log.warning("channel %d: link request failed: %s", channel_id, err.message)

    def carry_out(self, conn, link, kind, seq, number):
        """Act on request SEQ (link, pair or unlink) of LINK's channel, then mark it handled."""
        if kind == "unlink":
            link.unlink()
            self.publish(conn, link)
            links.mark_handled(conn, link.channel_id, seq)
            links.release(conn, link.channel_id, self.worker.worker_id)
            self.worker.held_sessions.discard(link.channel_id)
            self.published.pop(link.channel_id, None)
            return
        if link.public_state()["status"] == "logged_out":
            link.stop()  # the old engine forgot its session; a new one starts a new link
        link.ensure_started()
        self.publish(conn, link)
        links.mark_handled(conn, link.channel_id, seq, self.pair(link, number) if kind == "pair" else None)

    def pair(self, link, number):
        """Ask the engine for a pairing code for NUMBER: {"code"} or {"error": {code, message}}."""
        engine = link.engine
        if engine is None:
            return {"error": {"code": "engine_unavailable",
                              "message": link.public_state().get("reason") or "The engine is not running."}}
        status, answer = engine.call("POST", "/pair-phone", {"number": number}, timeout=PAIR_TIMEOUT)
        if status != 200:
            return {"error": answer.get("error") or {}}
        return {"code": answer["code"]}

    def publish(self, conn, link):
        """Write LINK's state when it changed since this worker last wrote it."""
        state = link.public_state()
        if self.published.get(link.channel_id) != (self.worker.worker_id, state):
            links.publish(conn, link.channel_id, self.worker.worker_id, state, self.worker.clock.time())
            self.published[link.channel_id] = (self.worker.worker_id, state)

    def dropped(self, channel_id):
        """This worker lost CHANNEL_ID's lease: stop its engine here (the next holder runs its own)."""
        self.published.pop(channel_id, None)
        wa_sessions.for_data_dir(self.worker.data_dir).link(channel_id).stop()
