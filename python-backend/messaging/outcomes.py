"""What a campaign's send threads produce, how failures add up to an auto-pause, and the send threads."""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import attachments, campaigns, channel_store
from .channels.base import FATAL, UNKNOWN, Message, SendError
from core.errors import DomainError
from .util import loads

log = logging.getLogger("messaging.runner")


@dataclass
class Outcome:
    """The result of one send, before (status decided by the runner's policy) and as it is recorded."""

    recipient_id: int
    attempts: int
    ts: float
    provider_id: str = None
    error_obj: SendError = None
    status: str = "sent"
    body: str = None  # the text rendered for this recipient (its variation drawn), kept in the ledger

    @property
    def code(self):
        """The error's stable code, or None."""
        return self.error_obj.code if self.error_obj else None

    @property
    def error(self):
        """The error's text, or None."""
        return self.error_obj.message if self.error_obj else None


class FailureStreak:
    """Consecutive failed sends of any kind (connection, timeout, provider); pauses after MAX of them or after
    a streak lasting SECONDS with no success in between."""

    def __init__(self, max_failures, seconds):
        self.max_failures, self.seconds = max_failures, seconds
        self.count, self.since, self.last_error, self.forced = 0, None, None, None

    def success(self):
        """A message went out: the streak ends."""
        self.count, self.since, self.last_error = 0, None, None

    def failure(self, ts, message):
        """One more failure at TS with MESSAGE."""
        self.count += 1
        self.since = ts if self.since is None else self.since
        self.last_error = message

    def force(self, reason):
        """Pause at once with REASON (the channel itself is broken)."""
        self.forced = reason

    def tripped(self):
        """True when the count reached the limit or a pause was forced."""
        return self.forced is not None or self.count >= self.max_failures

    def expired(self, ts):
        """True when the streak has lasted SECONDS by TS."""
        return self.since is not None and ts - self.since >= self.seconds

    def reason(self):
        """The pause reason in plain words: 'consecutive_failures: ...' or the forced one."""
        if self.forced is not None:
            return self.forced
        if self.count >= self.max_failures:
            what = "%d sends in a row failed" % self.count
        else:
            what = "sends kept failing for %d seconds with no success (%d in a row)" % (self.seconds, self.count)
        return "consecutive_failures: %s. Last error: %s" % (what, self.last_error)


class Sender:
    """Up to CONCURRENCY send threads, each with its own channel object, reporting Outcomes to RESULTS."""

    def __init__(self, manager, campaign, concurrency, results, clock, secret_values):
        self.manager, self.campaign, self.results, self.clock = manager, campaign, results, clock
        self.secret_values = secret_values  # read once by the runner, for every thread's channel
        self.local = threading.local()
        self.channels, self.conns, self.lock = [], [], threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="send-%d" % campaign["id"])

    def open_channel(self):
        """This thread's channel (opened on first use; raises DomainError when it cannot be built)."""
        if getattr(self.local, "channel", None) is None:
            conn = self.manager.connect()
            try:
                self.local.channel = channel_store.open_channel(
                    conn, self.campaign["channel_id"], self.manager.data_dir, loads(self.campaign["options"], {}),
                    self.secret_values)
            finally:
                conn.close()
            with self.lock:
                self.channels.append(self.local.channel)
        return self.local.channel

    def attachment(self):
        """The campaign's attachment {path, mime, kind, file_name, size}, None, or a FATAL error when it is gone
        (the campaign pauses with the reason; nothing was sent)."""
        chosen = loads(self.campaign["options"], {}).get("attachment")
        if not chosen:
            return None
        try:
            found = attachments.load(self.manager.data_dir, chosen.get("id"))
        except DomainError as err:
            raise SendError(FATAL, "attachment_missing", "attachment_missing: " + err.message) from None
        return {key: found[key] for key in ("path", "mime", "kind", "file_name", "size")}

    def submit(self, row):
        """Send to the claimed recipient ROW in a send thread."""
        self.pool.submit(self.send, row)

    def send(self, row):
        """Render, call the provider, report the Outcome (never raises)."""
        attempts = row["attempts"] + 1
        try:
            subject, body, params = campaigns.render_for(self.campaign, row)
            channel = self.open_channel()
            message_id = row["provider_id"] if channel.ASSIGNS_IDS else None
            provider_id = channel.send(Message(to=row["address"], body=body, subject=subject, name=row["name"],
                                               params=params, message_id=message_id, recipient_id=row["id"],
                                               attachment=self.attachment()))
            outcome = Outcome(row["id"], attempts, self.clock.time(), provider_id=provider_id, body=body)
        except SendError as err:
            outcome = Outcome(row["id"], attempts, self.clock.time(), error_obj=err)
        except DomainError as err:  # the channel cannot be built (e.g. its secret is gone): nothing was sent
            outcome = Outcome(row["id"], attempts, self.clock.time(),
                              error_obj=SendError(FATAL, "channel_error", err.message))
        except Exception as err:  # a bug in a channel must not leave the recipient looking unsent
            log.exception("campaign %d: channel raised unexpectedly", self.campaign["id"])
            outcome = Outcome(row["id"], attempts, self.clock.time(),
                              error_obj=SendError(UNKNOWN, "internal_error", type(err).__name__))
        self.results.put(outcome)

    def close(self):
        """Wait for the send threads and close every channel they opened."""
        self.pool.shutdown(wait=True)
        for channel in self.channels:
            try:
                channel.close()
            except Exception:
                log.warning("closing a channel failed", exc_info=True)
