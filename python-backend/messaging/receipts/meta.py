"""WhatsApp Cloud API webhooks: Meta's verification handshake, the X-Hub-Signature-256 check, and the status and
message payloads (entry[].changes[].value.statuses[] / messages[])."""
import hashlib
import hmac

from .. import inbox, ledger

# Meta's status words in the ledger's: 'sent' only proves the message left.
STATUS = {"sent": ledger.ACCEPTED, "delivered": "delivered", "read": "read", "failed": "failed"}
MAX_RECIPIENT_ID = 2 ** 62


def handshake(args, verify_token):
    """The challenge to echo for a valid subscription handshake (hub.mode, hub.verify_token), else None."""
    if not verify_token or args.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(str(args.get("hub.verify_token", "")).encode(), verify_token.encode()):
        return None
    return args.get("hub.challenge", "")


def signature_ok(app_secret, raw, header):
    """Whether HEADER ('sha256=<hex>') is the HMAC-SHA256 of the raw body RAW with APP_SECRET."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def values(payload, phone_number_id):
    """The change values of PAYLOAD that belong to PHONE_NUMBER_ID (other numbers of the same app are skipped)."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return
    for entry in as_list(payload.get("entry")):
        for change in as_list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict) and str((value.get("metadata") or {}).get("phone_number_id")) == \
                    str(phone_number_id):
                yield value


def as_list(value):
    """VALUE when it is a list of objects, else an empty list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def apply(conn, channel_id, phone_number_id, payload):
    """Write a signed payload's statuses and messages (caller's transaction): {statuses, messages, ignored}."""
    done = {"statuses": 0, "messages": 0, "ignored": 0}
    for value in values(payload, phone_number_id):
        names = {str(c.get("wa_id")): (c.get("profile") or {}).get("name") for c in as_list(value.get("contacts"))}
        for status in as_list(value.get("statuses")):
            key = "statuses" if apply_status(conn, channel_id, status) else "ignored"
            done[key] += 1
        for message in as_list(value.get("messages")):
            key = "messages" if apply_message(conn, channel_id, message, names) else "ignored"
            done[key] += 1
    return done


def apply_status(conn, channel_id, status):
    """One status object; False when it is not for a message of ours (a 200 all the same: Meta would retry)."""
    word, wamid = STATUS.get(status.get("status")), status.get("id")
    if word is None or not isinstance(wamid, str) or not wamid:
        return False
    recipient_id = callback_row(status.get("biz_opaque_callback_data"))
    known = conn.execute("SELECT 1 FROM campaign_recipients WHERE provider_id=? LIMIT 1", (wamid,)).fetchone()
    if known is None and not row_of_channel(conn, recipient_id, channel_id):
        return False
    ledger.record_status(conn, wamid, word, timestamp(status.get("timestamp")), channel_id, recipient_id,
                         error_text(status.get("errors")))
    return True


def row_of_channel(conn, recipient_id, channel_id):
    """Whether RECIPIENT_ID is a ledger row of a campaign on CHANNEL_ID."""
    if recipient_id is None:
        return False
    return conn.execute("SELECT 1 FROM campaign_recipients r JOIN campaigns c ON c.id=r.campaign_id WHERE r.id=? "
                        "AND c.channel_id=?", (recipient_id, channel_id)).fetchone() is not None


def callback_row(value):
    """The ledger row id carried in biz_opaque_callback_data, or None."""
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) < MAX_RECIPIENT_ID else None


def timestamp(value):
    """Meta's epoch-seconds string as a float, or now."""
    try:
        return float(value)
    except (TypeError, ValueError):
        from ..util import now
        return now()


def error_text(errors):
    """'<code> <title>: <details>' of the first error object, or None."""
    first = as_list(errors)[:1]
    if not first:
        return None
    error = first[0]
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    text = "WhatsApp %s %s" % (error.get("code", ""), error.get("title") or error.get("message") or "")
    return (text.strip() + (": " + str(details) if details else ""))[:500]


def apply_message(conn, channel_id, message, names):
    """One inbound message into the inbox; False for a duplicate or one without a sender."""
    sender = str(message.get("from") or "")
    if not sender.isdigit():
        return False
    stored = inbox.receive(conn, channel_id, "+" + sender, "number", message_text(message), message.get("id"),
                           timestamp(message.get("timestamp")), names.get(sender))
    return stored is not None


def message_text(message):
    """The words of an inbound message: text, a button's or list reply's title, a media caption, or its type."""
    kind = message.get("type")
    part = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return str(part.get("body") or "")
    if kind == "button":
        return str(part.get("text") or part.get("payload") or "")
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title") or "") if isinstance(reply, dict) else ""
    caption = part.get("caption")
    return str(caption) if caption else "[%s]" % (kind or "message")
