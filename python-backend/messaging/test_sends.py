"""“Send a test”: the campaign's message, rendered for one of its recipients, sent through the real channel to
an address the user types. Recorded in test_sends, never in the campaign's ledger (which holds one row per
address and drives its counts), so a test is never counted in the campaign."""
from . import campaigns, channel_store, contacts_check
from .channels.base import UNKNOWN, Message, SendError
from .db import insert_id, transaction
from core.errors import DomainError
from core.fields import is_id, require_text
from .util import iso, loads, now

MAX_LISTED = 50


def target_address(kind, value, region):
    """The typed address, checked as the channel needs it (an email, or a number in E.164)."""
    text = require_text(value, "to", 320)
    return contacts_check.check_email(text) if kind == "email" else contacts_check.check_number(text, region)


def sample_recipient(conn, campaign_id, recipient_id):
    """The recipient whose data fills the placeholders: RECIPIENT_ID, or the campaign's first."""
    if recipient_id is not None and not is_id(recipient_id):
        raise DomainError("bad_param", "'recipient_id' must be a number.")
    return campaigns.recipient_or_first(conn, campaign_id, recipient_id)


def send_test(conn, campaign_id, data, data_dir, region):
    """Render, send to DATA['to'] through the campaign's channel, record; {ok, test_send}."""
    if not isinstance(data, dict):
        raise DomainError("bad_json", "The request body must be a JSON object.")
    campaign = campaigns.campaign_row(conn, campaign_id)
    channel_row = channel_store.usable_channel(conn, campaign["channel_id"])
    kind = campaigns.address_kind_of(conn, channel_row["id"])
    to = target_address(kind, data.get("to"), region)
    recipient = sample_recipient(conn, campaign_id, data.get("recipient_id"))
    subject, body, params = campaigns.render_for(campaign, recipient)
    options = loads(campaign["options"], {})
    channel = channel_store.open_channel(conn, channel_row["id"], data_dir, options)
    status, provider_id, code, error = deliver(channel, Message(to=to, body=body, subject=subject, params=params))
    with transaction(conn):
        test_id = insert_id(
            conn, "INSERT INTO test_sends (campaign_id, channel_id, address, recipient_id, subject, body, status, "
            "provider_id, error_code, error, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (campaign_id, channel_row["id"], to, recipient["id"], subject, body, status, provider_id, code, error,
             now()))
    row = conn.execute("SELECT * FROM test_sends WHERE id=?", (test_id,)).fetchone()
    return {"ok": status == "sent", "test_send": test_send_out(row)}


def deliver(channel, message):
    """(status, provider id, error code, error) of one send; the channel is closed afterwards."""
    try:
        return "sent", channel.send(message), None, None
    except SendError as err:
        return ("unknown" if err.kind == UNKNOWN else "failed"), None, err.code, err.message
    finally:
        channel.close()


def test_send_out(row):
    """A test_sends row as the API shows it."""
    return {"id": row["id"], "campaign_id": row["campaign_id"], "channel_id": row["channel_id"],
            "to": row["address"], "recipient_id": row["recipient_id"], "subject": row["subject"], "body": row["body"],
            "status": row["status"], "provider_id": row["provider_id"], "error_code": row["error_code"],
            "error": row["error"], "created_at": iso(row["created_at"])}


def all_test_sends(conn, campaign_id):
    """The campaign's test sends, newest first."""
    campaigns.campaign_row(conn, campaign_id)
    rows = conn.execute("SELECT * FROM test_sends WHERE campaign_id=? ORDER BY id DESC LIMIT ?",
                        (campaign_id, MAX_LISTED)).fetchall()
    return [test_send_out(r) for r in rows]
