"""Polling the providers that cannot call in: Twilio's Messages list and a channel's IMAP bounce mailbox, on a
timer (SyncLoop) and on demand; where each poll stopped, and its last error, are kept in channel_sync."""
import json
import logging
import threading
import time

from core.errors import DomainError

from .. import campaigns, channel_store, db, ledger
from ..channels.base import TRANSIENT, SendError
from ..db import transaction
from ..util import iso, now
from . import twilio

log = logging.getLogger("messaging.receipts")
DEFAULT_INTERVAL = 60.0
FIRST_INBOUND_LOOKBACK = 86400  # a channel's first inbound poll reads the last day


def cursor_of(conn, channel_id, kind):
    """The stored cursor of a poll (a dict), or {}."""
    row = conn.execute("SELECT cursor FROM channel_sync WHERE channel_id=? AND kind=?", (channel_id, kind)).fetchone()
    return json.loads(row[0]) if row else {}


def save_cursor(conn, channel_id, kind, cursor, error=None):
    """Remember where a poll stopped and how it ended (caller's transaction)."""
    conn.execute("INSERT INTO channel_sync (channel_id, kind, cursor, synced_at, error) VALUES (?,?,?,?,?) "
                 "ON CONFLICT(channel_id, kind) DO UPDATE SET cursor=excluded.cursor, synced_at=excluded.synced_at, "
                 "error=excluded.error", (channel_id, kind, json.dumps(cursor), now(), error))


def pollable(row):
    """The kind of poll a channels ROW has ('twilio', 'mailbox'), or None."""
    if row["type"] == "twilio":
        return "twilio"
    if row["type"] == "smtp" and json.loads(row["config"] or "{}").get("imap_host"):
        return "mailbox"
    return None


def sync_channel(conn, data_dir, channel_id):
    """Poll one channel now: {kind, ok, error, statuses, messages} (kind None: nothing to poll)."""
    kind = pollable(channel_store.channel_row(conn, channel_id))
    if kind is None:
        return {"kind": None, "ok": True, "error": None, "statuses": 0, "messages": 0}
    channel = channel_store.open_channel(conn, channel_id, data_dir)
    previous = cursor_of(conn, channel_id, kind)
    try:
        counts, cursor = (poll_twilio if kind == "twilio" else poll_mailbox)(conn, channel, channel_id, previous)
        error = None
    except SendError as err:
        counts, cursor, error = {"statuses": 0, "messages": 0}, previous, err.message
        with transaction(conn):
            save_cursor(conn, channel_id, kind, cursor, error)
    finally:
        channel.close()
    return {"kind": kind, "ok": error is None, "error": error, **counts}


def poll_twilio(conn, channel, channel_id, cursor):
    """Statuses of recent sends still waiting for one, then new inbound messages; (counts, cursor)."""
    started = now()
    since = conn.execute("SELECT MIN(r.attempted_at) FROM campaign_recipients r JOIN campaigns c ON "
                         "c.id=r.campaign_id WHERE c.channel_id=? AND r.status='sent' AND r.provider_id IS NOT NULL "
                         "AND (r.delivery IS NULL OR r.delivery='delivered') AND r.attempted_at>?",
                         (channel_id, started - twilio.STATUS_WINDOW)).fetchone()[0]
    inbound_since = cursor.get("inbound_since", started - FIRST_INBOUND_LOOKBACK) - twilio.INBOUND_OVERLAP
    sent = twilio.sent_after(channel, since - 60) if since else []
    received = twilio.received_after(channel, inbound_since)
    with transaction(conn):
        statuses = twilio.apply_statuses(conn, channel, channel_id, sent)
        messages = twilio.apply_inbound(conn, channel_id, received)
        save_cursor(conn, channel_id, "twilio", {"inbound_since": started})
    return {"statuses": statuses, "messages": messages}, {"inbound_since": started}


def poll_mailbox(conn, channel, channel_id, cursor):
    """New mails of the bounce mailbox; (counts, cursor). A mailbox that cannot be read is a SendError."""
    from .. import mailbox  # imaplib and the email parser load only when a mailbox is polled
    from . import mail

    try:
        items, new_cursor = mailbox.fetch_new(channel.mailbox(), cursor or None)
    except mailbox.MailboxError as err:
        raise SendError(TRANSIENT, err.code, err.message) from None
    counts = {"statuses": 0, "messages": 0, "unsubscribes": 0}
    with transaction(conn):
        for item in items:
            what = mail.apply_item(conn, channel_id, item)
            key = {"bounce": "statuses", "reply": "messages", "unsubscribe": "unsubscribes"}.get(what)
            if key:
                counts[key] += 1
        save_cursor(conn, channel_id, "mailbox", new_cursor)
    return counts, new_cursor


def status(conn, channel_id):
    """{kind, synced_at, error} of the channel's last poll, or None."""
    row = conn.execute("SELECT kind, synced_at, error FROM channel_sync WHERE channel_id=? ORDER BY synced_at DESC "
                       "LIMIT 1", (channel_id,)).fetchone()
    return {"kind": row[0], "synced_at": iso(row[1]), "error": row[2]} if row else None


def lookup_unknown(conn, data_dir, campaign_id):
    """Ask the provider about the campaign's 'unknown' rows where it can answer (Twilio's message list):
    [(recipient_id, provider_id, status, ts, error)]; [] when it cannot or does not answer."""
    campaign = campaigns.campaign_row(conn, campaign_id)
    row = channel_store.channel_row(conn, campaign["channel_id"])
    rows = ledger.unknown_rows(conn, campaign_id)
    if row["type"] != "twilio" or not rows:
        return []
    channel = channel_store.open_channel(conn, campaign["channel_id"], data_dir)
    try:
        return twilio.find_unknown(conn, channel, rows, lambda r: campaigns.render_for(campaign, r)[1])
    except (SendError, DomainError) as err:
        log.warning("campaign %d: could not ask Twilio about unknown rows: %s", campaign_id, err)
        return []
    finally:
        channel.close()


class SyncLoop:
    """A daemon thread that polls every pollable channel every INTERVAL seconds."""

    def __init__(self, data_dir, interval=DEFAULT_INTERVAL):
        self.data_dir, self.interval = data_dir, interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True, name="receipts-sync")

    def start(self):
        """Begin polling."""
        self.thread.start()
        return self

    def stop(self):
        """Stop after the current round."""
        self.stopped.set()

    def run(self):
        """Poll, wait, repeat; a failing channel never stops the others."""
        while not self.stopped.wait(self.interval):
            self.round()

    def round(self):
        """One poll of every pollable channel."""
        try:
            conn = db.connect(db.db_path(self.data_dir))
        except Exception:  # the store may be unavailable (full disk); try again next round
            log.warning("receipts sync: store unavailable", exc_info=True)
            return
        try:
            rows = conn.execute("SELECT * FROM channels WHERE archived_at IS NULL").fetchall()
            for row in rows:
                if pollable(row) and not self.stopped.is_set():
                    self.sync_quietly(conn, row["id"])
        finally:
            conn.close()

    def sync_quietly(self, conn, channel_id):
        """Poll one channel, logging instead of raising."""
        started = time.monotonic()
        try:
            result = sync_channel(conn, self.data_dir, channel_id)
        except Exception:
            log.warning("receipts sync of channel %d failed", channel_id, exc_info=True)
            return
        log.debug("channel %d synced in %.2fs: %s", channel_id, time.monotonic() - started, result)
