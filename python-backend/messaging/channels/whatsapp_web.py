"""WhatsApp Web as a linked device: the user's own WhatsApp account, through the engine process
(messaging/whatsapp_web/). The app chooses each message's id before sending, so the ledger holds it in the
'sending' row, acks find their row, and a retry resends with the same id (one message key on the phone)."""
import secrets
import time

from core.errors import DomainError

from .base import FATAL, NUMBER, PERMANENT, RATE_LIMITED, SKIP, TEXT, UNKNOWN, Channel, SendError, Setting
from .checks import check_choice

CONNECT_WAIT = 45.0        # seconds a send waits for an engine that is starting or reconnecting
SEND_TIMEOUT = 60.0
DEFAULT_TYPING = 2.0
RATE_LIMIT_PAUSE = 6 * 3600.0
CHECK_WAIT_MAX = 120.0     # a number check over budget by more than this waits as a paced retry


class WhatsAppWebChannel(Channel):
    """Text (and one attachment per campaign) from the linked account, with ban-safety pacing by default."""

    TYPE = "whatsapp_web"
    ADDRESS = "number"
    SETTINGS = (Setting("typing", NUMBER), Setting("check_numbers", TEXT))
    ASSIGNS_IDS = True
    ATTACHMENTS = ("image", "document")
    # The ban-safety defaults (issue 13): random 20-60 s gaps, bursts of 10-20 then a 5-15 min break, a warm-up
    # cap for a newly linked number, one message at a time, a pause after 3 failures in a row.
    DEFAULT_PACING = {"per_minute": 3.0, "min_delay": 20.0, "max_delay": 60.0, "batch_size": 10,
                      "batch_size_max": 20, "batch_pause": 300.0, "batch_pause_max": 900.0,
                      "max_consecutive_failures": 3, "warmup": True, "concurrency": 1}

    @classmethod
    def check_config(cls, cfg):
        """Typing presence 0-30 s; number checks on or off."""
        check_choice(cfg, "check_numbers", ("on", "off"), "on")
        typing = cfg.get("typing", DEFAULT_TYPING)
        if not 0 <= typing <= 30:
            raise DomainError("bad_param", "'typing' must be between 0 and 30 seconds.")
        cfg["typing"] = typing

    @classmethod
    def runtime_config(cls, config, data_dir, channel_id):
        """The stored settings plus where this channel's session lives."""
        return dict(config, data_dir=data_dir, channel_id=channel_id)

    @classmethod
    def new_message_id(cls):
        """A message id in WhatsApp Web's own format: 3EB0 and 18 upper-case hex digits."""
        return "3EB0" + secrets.token_hex(9).upper()

    def __init__(self, config, secrets_=None):
        from ..whatsapp_web import sessions
        self.config = config
        self.link = sessions.for_data_dir(config["data_dir"]).link(config["channel_id"])

    def send(self, message):
        """Resolve the number on WhatsApp, then send with the id stored in the ledger row."""
        engine = self.link.connected_engine(CONNECT_WAIT)
        jid = self.resolve(engine, message.to)
        body = {"jid": jid, "message_id": message.message_id or self.new_message_id(), "text": message.body,
                "attachment": message.attachment, "typing_seconds": float(self.config.get("typing", DEFAULT_TYPING))}
        try:
            status, answer = engine.call("POST", "/send", body, timeout=SEND_TIMEOUT + body["typing_seconds"])
        except SendError as err:
            raise engine_gone(err) from None
        if status == 200:
            return answer.get("message_id") or body["message_id"]
        raise classify(status, answer.get("error") or {})

    def resolve(self, engine, number):
        """The chat id to send to: the canonical id WhatsApp returns (cached 30 days), or SKIP when the number is
        not on WhatsApp. With checks off, the number's own id."""
        from ..whatsapp_web import numbers
        if self.config.get("check_numbers", "on") == "off":
            return number.lstrip("+") + "@s.whatsapp.net"
        conn = self.link.sessions.connect()
        try:
            found = numbers.cached(conn, self.config["channel_id"], number)
            if found is None:
                found = self.check_now(engine, conn, number)
        finally:
            conn.close()
        exists, jid = found
        if not exists:
            raise SendError(SKIP, "not_on_whatsapp", "This number is not on WhatsApp; nothing was sent.")
        return jid

    def check_now(self, engine, conn, number):
        """Ask the engine (within the check budget) and cache the answer: (exists, jid)."""
        from ..whatsapp_web import numbers
        wait = numbers.budget_wait(conn, self.config["channel_id"])
        if wait > 0:
            raise SendError(RATE_LIMITED, "wa_check_budget", "The number-check budget is used up; waiting %d s."
                            % wait, retry_after=min(wait, CHECK_WAIT_MAX))
        try:
            status, answer = engine.call("POST", "/check", {"numbers": [number]}, timeout=30.0)
        except SendError as err:
            raise engine_gone(err, nothing_sent=True) from None
        if status != 200:
            raise classify(status, answer.get("error") or {})
        result = answer["results"][0]
        numbers.record(conn, self.config["channel_id"], [result])
        return bool(result["exists"]), result.get("jid")

    def check(self):
        """Test connection: the link state, without sending anything."""
        state = self.link.public_state()
        if state["status"] != "connected":
            raise SendError(FATAL, "wa_not_connected", "WhatsApp is not connected (%s%s)." % (
                state["status"], ": " + state["reason"] if state.get("reason") else ""))
        return {"status": state["status"], "number": (state.get("me") or {}).get("number"),
                "push_name": (state.get("me") or {}).get("push_name")}


def engine_gone(err, nothing_sent=False):
    """A SendError for a call that broke: refused before sending pauses the campaign; broken after it is unknown."""
    if nothing_sent or err.kind != UNKNOWN:
        return SendError(FATAL, "wa_engine_stopped", "whatsapp_engine_stopped: the WhatsApp Web engine is not "
                         "answering (%s)." % err.message)
    # The campaign stops here, not at the next send: a restarted engine would otherwise race the pause.
    return SendError(UNKNOWN, "wa_engine_stopped", "whatsapp_engine_stopped: the WhatsApp Web engine stopped during "
                     "a send; that message may or may not have gone out.", pause=True)


def classify(status, error):
    """A SendError for an engine error answer."""
    code, text = error.get("code") or "engine_error", error.get("message") or "no message"
    if code == "rate_limited":
        wait = float(error.get("retry_after") or RATE_LIMIT_PAUSE)
        until = time.time() + wait
        return SendError(RATE_LIMITED, "wa_%s" % (error.get("status") or 429), "whatsapp_rate_limited: %s; sending "
                         "resumes by itself at %s." % (text, time.strftime("%H:%M", time.localtime(until))),
                         retry_after=wait, pause_until=until)
    if code == "logged_out":
        return SendError(FATAL, "wa_logged_out", "wa_logged_out: %s" % text)
    if code in ("not_connected", "not_ready"):
        return SendError(FATAL, "wa_not_connected", "wa_not_connected: %s" % text)
    if code == "attachment_unreadable":
        return SendError(FATAL, "attachment_missing", "attachment_missing: the campaign's attachment cannot be read.")
    if code == "timeout" or status == 504:
        return SendError(UNKNOWN, "wa_timeout", text)
    return SendError(PERMANENT, "wa_%s" % code, text)
