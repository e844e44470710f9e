"""Twilio: status callbacks and inbound-message webhooks (X-Twilio-Signature), polling the Messages list for
statuses and inbound messages (one request per page), and finding the sends a crash left 'unknown'."""
import base64
import calendar
import email.utils
import hashlib
import hmac
import time

from .. import consent, inbox, ledger

# Twilio's message statuses in the ledger's words; anything else (receiving, scheduled, canceled) is skipped.
STATUS = {"accepted": ledger.ACCEPTED, "queued": ledger.ACCEPTED, "sending": ledger.ACCEPTED,
          "sent": ledger.ACCEPTED, "delivered": "delivered", "read": "read", "failed": "failed",
          "undelivered": "undelivered"}
INBOUND = "received"
STATUS_WINDOW = 3 * 86400      # statuses of messages sent in the last 3 days are polled
INBOUND_OVERLAP = 3600         # inbound polls look back an hour before the last one (clock skew, late writes)
RECONCILE_BEFORE, RECONCILE_AFTER = 120, 3600  # a found message's date_created around the row's attempt


def signature(auth_token, url, params):
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL followed by each POST field's name and value,
    sorted by name."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def signature_ok(auth_token, urls, params, header):
    """Whether HEADER signs PARAMS for one of the URLS the request may have been addressed to."""
    if not auth_token or not header:
        return False
    return any(hmac.compare_digest(signature(auth_token, url, params), header) for url in urls)


def apply_callback(conn, channel_id, form):
    """A status callback or an inbound-message webhook (caller's transaction): what it was, or None."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid:
        return None
    if status == INBOUND or (form.get("Body") is not None and status is None):
        apply_opt_out_type(conn, channel_id, form.get("From", ""), form.get("OptOutType"))
        stored = inbox.receive(conn, channel_id, form.get("From", ""), "number", form.get("Body", ""), sid)
        return "message" if stored else None
    if status in STATUS:
        error = "Twilio %s" % form["ErrorCode"] if form.get("ErrorCode") else None
        ledger.record_status(conn, sid, STATUS[status], time.time(), channel_id, error=error)
        return "status"
    return None


def apply_opt_out_type(conn, channel_id, address, opt_out_type):
    """Twilio's Advanced Opt-Out already decided (OptOutType STOP/START): follow it."""
    if opt_out_type == "STOP":
        consent.opt_out(conn, address, "number", "provider_opt_out", channel_id, "Twilio opt-out (STOP)")
    elif opt_out_type == "START":
        consent.opt_in(conn, address)


def sent_at(message):
    """A Message resource's date_created (RFC 2822) as epoch seconds, or None."""
    try:
        return calendar.timegm(email.utils.parsedate_to_datetime(message.get("date_created")).utctimetuple())
    except (TypeError, ValueError):
        return None


def iso_day(ts):
    """TS as the ISO date-time Twilio's DateSent filters take."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def sender_filter(channel):
    """The From filter of the channel's own messages (a Messaging Service is filtered after the fact)."""
    return {"From": channel.config["from_number"]} if channel.config.get("from_number") else {}


def own(channel, message):
    """Whether MESSAGE went out from this channel's number or Messaging Service."""
    service = channel.config.get("messaging_service_sid")
    return message.get("messaging_service_sid") == service if service else True


def sent_after(channel, since):
    """The channel's outgoing messages sent after SINCE (network only: no transaction is held meanwhile)."""
    return list(channel.list_messages({**sender_filter(channel), "DateSent>": iso_day(since)}))


def received_after(channel, since):
    """Messages written to the channel's number after SINCE ([] for a Messaging Service: its numbers are many,
    and its inbound arrives by webhook)."""
    number = channel.config.get("from_number")
    return list(channel.list_messages({"To": number, "DateSent>": iso_day(since)})) if number else []


def apply_statuses(conn, channel, channel_id, messages):
    """The statuses of MESSAGES, for the rows that carry their sids (caller's transaction): rows changed."""
    changed = 0
    for message in messages:
        word = STATUS.get(message.get("status"))
        if word is None or not own(channel, message) or not known_sid(conn, message.get("sid")):
            continue
        error = "Twilio %s: %s" % (message.get("error_code"), message.get("error_message") or "") \
            if message.get("error_code") else None
        changed += ledger.record_status(conn, message["sid"], word, sent_at(message) or time.time(), channel_id,
                                        error=error)
    return changed


def known_sid(conn, sid):
    """Whether a ledger row carries SID."""
    return bool(sid) and conn.execute("SELECT 1 FROM campaign_recipients WHERE provider_id=? LIMIT 1",
                                      (sid,)).fetchone() is not None


def apply_inbound(conn, channel_id, messages):
    """Inbound MESSAGES into the inbox (caller's transaction): how many were new."""
    new = 0
    for message in messages:
        if message.get("direction") != "inbound" or not message.get("sid"):
            continue
        stored = inbox.receive(conn, channel_id, message.get("from", ""), "number", message.get("body", ""),
                               message["sid"], sent_at(message))
        new += stored is not None
    return new


def find_unknown(conn, channel, rows, expected_body):
    """For 'unknown' ROWS, the messages Twilio has to the same number from this sender around the attempt whose
    body is the one the row would have sent: [(recipient_id, sid, status, ts, error)]."""
    found, taken = [], set()
    for row in rows:
        attempted = row["attempted_at"] or row["finished_at"] or time.time()
        filters = {**sender_filter(channel), "To": row["address"], "DateSent>": iso_day(attempted - 86400)}
        body = expected_body(row)
        for message in channel.list_messages(filters, max_pages=5):
            when = sent_at(message) or 0
            match = (own(channel, message) and message.get("sid") not in taken and message.get("body") == body
                     and attempted - RECONCILE_BEFORE <= when <= attempted + RECONCILE_AFTER
                     and not known_sid(conn, message.get("sid")) and STATUS.get(message.get("status")))
            if match:
                taken.add(message["sid"])
                found.append((row["id"], message["sid"], STATUS[message["status"]], when, None))
                break
    return found
