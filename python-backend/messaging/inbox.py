"""The replies inbox: what contacts wrote on every channel that can receive messages, and the answers sent from
it. Each inbound message is linked to the campaign that last reached its sender on that channel, marks that
recipient as having replied, and has its opt-out and opt-in words applied to the consent list."""
from core import errors
from core.errors import DomainError

from . import channel_store, consent, db
from .channels.base import Message, SendError
from .db import transaction
from .util import contains, iso, like_pattern, now

MAX_BODY = 20_000
THREAD_LIMIT = 500


def last_reach(conn, channel_id, address):
    """(recipient row id, campaign id) of the latest message this channel sent to ADDRESS, or (None, None)."""
    row = conn.execute("SELECT r.id, r.campaign_id FROM campaign_recipients r JOIN campaigns c ON c.id=r.campaign_id "
                       "WHERE r.address=? AND c.channel_id=? AND r.status='sent' ORDER BY r.finished_at DESC, r.id "
                       "DESC LIMIT 1", (address, channel_id)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def receive(conn, channel_id, address, kind, body, provider_id=None, ts=None, name=None):
    """Store one inbound message (caller's transaction): a provider id seen before changes nothing. Returns
    {"id", "consent": 'opt_out'|'opt_in'|None}, or None for a duplicate."""
    ts = ts or now()
    body = (body or "")[:MAX_BODY]
    row_id, campaign_id = last_reach(conn, channel_id, address)
    cursor = conn.execute("INSERT INTO inbox_messages (channel_id, address, name, direction, body, provider_id, "
                          "status, campaign_id, at) VALUES (?,?,?,'in',?,?,'received',?,?) ON CONFLICT DO NOTHING RETURNING id",
                          (channel_id, address, name or None, body, provider_id, campaign_id, ts))
    inserted = cursor.fetchone()  # none: a duplicate (psycopg has no lastrowid; RETURNING works on both engines)
    if inserted is None:
        return None
    if row_id is not None:
        conn.execute("UPDATE campaign_recipients SET replied_at=? WHERE id=? AND replied_at IS NULL", (ts, row_id))
    return {"id": inserted[0], "consent": consent.apply_words(conn, channel_id, address, kind, body)}


def conversations(conn, q="", offset=0, limit=50):
    """{total, unread, conversations} newest first: one entry per (channel, contact)."""
    where, params = "", []
    if q:
        where = " WHERE %s OR %s" % (contains("address"), contains("COALESCE(name, '')"))
        params = [like_pattern(q)] * 2
    groups = conn.execute("SELECT channel_id, address, MAX(id) AS last_id, SUM(CASE WHEN direction='in' AND read_at "
                          "IS NULL THEN 1 ELSE 0 END) AS unread FROM inbox_messages%s GROUP BY channel_id, address "
                          "ORDER BY last_id DESC LIMIT ? OFFSET ?" % where, params + [limit, offset]).fetchall()
    total = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM inbox_messages%s GROUP BY channel_id, address) t"
                         % where, params).fetchone()[0]
    return {"total": total, "unread": unread_total(conn), "offset": offset, "limit": limit,
            "conversations": [conversation_out(conn, g) for g in groups]}


def unread_total(conn):
    """How many inbound messages nobody has opened yet."""
    return conn.execute("SELECT COUNT(*) FROM inbox_messages WHERE direction='in' AND read_at IS NULL").fetchone()[0]


def conversation_head(conn, channel_id, address):
    """Channel, contact name, linked campaign and consent of one conversation."""
    channel = conn.execute("SELECT name, type FROM channels WHERE id=?", (channel_id,)).fetchone()
    name = conn.execute("SELECT name FROM inbox_messages WHERE channel_id=? AND address=? AND name IS NOT NULL "
                        "ORDER BY id DESC LIMIT 1", (channel_id, address)).fetchone()
    campaign = conn.execute("SELECT c.id, c.name FROM inbox_messages m JOIN campaigns c ON c.id=m.campaign_id "
                            "WHERE m.channel_id=? AND m.address=? ORDER BY m.id DESC LIMIT 1",
                            (channel_id, address)).fetchone()
    return {"channel_id": channel_id, "channel_name": channel["name"] if channel else None,
            "channel_type": channel["type"] if channel else None, "address": address,
            "name": name[0] if name else None, "campaign_id": campaign[0] if campaign else None,
            "campaign_name": campaign[1] if campaign else None, "opted_out": consent.is_opted_out(conn, address)}


def conversation_out(conn, group):
    """One conversation of the list."""
    last = conn.execute("SELECT * FROM inbox_messages WHERE id=?", (group["last_id"],)).fetchone()
    return {**conversation_head(conn, group["channel_id"], group["address"]), "last_body": last["body"][:200],
            "last_at": iso(last["at"]), "last_direction": last["direction"], "unread": group["unread"]}


def message_out(row):
    """One message as the API shows it."""
    return {"id": row["id"], "direction": row["direction"], "body": row["body"], "at": iso(row["at"]),
            "status": row["status"], "error": row["error"]}


def thread(conn, channel_id, address):
    """A conversation's head and its latest messages, oldest first."""
    rows = conn.execute("SELECT * FROM inbox_messages WHERE channel_id=? AND address=? ORDER BY id DESC LIMIT ?",
                        (channel_id, address, THREAD_LIMIT)).fetchall()
    if not rows:
        raise DomainError("not_found", "There is no conversation with %s on this channel." % address[:100],
                          errors.NOT_FOUND)
    return {**conversation_head(conn, channel_id, address), "messages": [message_out(r) for r in reversed(rows)]}


def mark_read(conn, channel_id, address):
    """Mark a conversation's inbound messages read; how many."""
    with transaction(conn):
        return conn.execute("UPDATE inbox_messages SET read_at=? WHERE channel_id=? AND address=? AND "
                            "direction='in' AND read_at IS NULL", (now(), channel_id, address)).rowcount


def reply(conn, data_dir, channel_id, address, body):
    """Send BODY to ADDRESS on the channel the conversation is on and keep it in the thread; the message, or
    send_failed (502) with the provider's words after keeping the failed attempt."""
    thread(conn, channel_id, address)  # only existing conversations are answered
    channel_store.usable_channel(conn, channel_id)
    if consent.is_opted_out(conn, address):
        raise DomainError("opted_out", "%s asked not to be contacted (consent list); remove the entry there "
                          "first if they opted back in." % address[:100], errors.CONFLICT)
    status, provider_id, error = send_reply(conn, data_dir, channel_id, address, body)
    with transaction(conn):
        message_id = db.insert_id(conn, "INSERT INTO inbox_messages (channel_id, address, direction, body, provider_id, "
                                  "status, error, at, read_at) VALUES (?,?,'out',?,?,?,?,?,?)",
                                  (channel_id, address, body, provider_id, status, error, now(), now()))
    message = message_out(conn.execute("SELECT * FROM inbox_messages WHERE id=?", (message_id,)).fetchone())
    if status == "failed":
        raise DomainError("send_failed", error, errors.UNAVAILABLE, attempt=message)
    return {"message": message}


def send_reply(conn, data_dir, channel_id, address, body):
    """(status, provider id, error) of sending one reply now."""
    channel = channel_store.open_channel(conn, channel_id, data_dir)
    try:
        message_id = channel.new_message_id() if channel.ASSIGNS_IDS else None
        provider_id = channel.send(Message(to=address, body=body, subject="Re: your message", message_id=message_id))
        return "sent", provider_id, None
    except SendError as err:
        return "failed", None, err.message
    finally:
        channel.close()


def state(conn):
    """{unread, latest_id}: what the live stream announces."""
    latest = conn.execute("SELECT MAX(id) FROM inbox_messages").fetchone()[0]
    return {"unread": unread_total(conn), "latest_id": latest or 0}
