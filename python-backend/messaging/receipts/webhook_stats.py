"""Whether a channel's webhooks are arriving: counts and times of accepted and refused deliveries, per channel,
for the Settings screen (a user behind a tunnel needs to see that Meta or Twilio actually reach the app)."""
from .. import app_settings, channel_store
from ..db import transaction
from ..util import iso, now


def note(conn, channel_id, accepted, error=None):
    """Count one webhook delivery for CHANNEL_ID (its own transaction)."""
    column, at = ("received", "last_received_at") if accepted else ("rejected", "last_rejected_at")
    with transaction(conn):
        conn.execute("INSERT INTO webhook_stats (channel_id) VALUES (?) ON CONFLICT DO NOTHING", (channel_id,))
        conn.execute("UPDATE webhook_stats SET %s=%s+1, %s=?, last_error=COALESCE(?, last_error) WHERE channel_id=?"
                     % (column, column, at), (now(), error, channel_id))


def overview(conn):
    """{public_url, channels: [...]} for every channel type that receives webhooks."""
    public_url = app_settings.get(conn, channel_store.PUBLIC_URL_KEY)
    rows = conn.execute("SELECT c.id, c.name, c.type, s.received, s.rejected, s.last_received_at, "
                        "s.last_rejected_at, s.last_error FROM channels c LEFT JOIN webhook_stats s ON "
                        "s.channel_id=c.id WHERE c.archived_at IS NULL AND c.type IN (%s) ORDER BY c.id" % ",".join(
                            "?" * len(channel_store.WEBHOOK_PREFIX)), tuple(channel_store.WEBHOOK_PREFIX)).fetchall()
    return {"public_url": public_url, "channels": [channel_entry(r, public_url) for r in rows]}


def channel_entry(row, public_url):
    """One channel's webhook address and arrivals."""
    path = channel_store.webhook_path(row["type"], row["id"])
    return {"channel_id": row["id"], "channel_name": row["name"], "channel_type": row["type"], "path": path,
            "url": public_url + path if public_url else None, "received": row["received"] or 0,
            "rejected": row["rejected"] or 0, "last_received_at": iso(row["last_received_at"]),
            "last_rejected_at": iso(row["last_rejected_at"]), "last_error": row["last_error"]}


def set_public_url(conn, value):
    """Store the tunnel's https address ('' clears it); the new overview."""
    from urllib.parse import urlsplit

    from core.errors import DomainError

    text = (value or "").strip().rstrip("/") if isinstance(value, str) else None
    if text is None:
        raise DomainError("bad_param", "'public_url' must be text.")
    parts = urlsplit(text)
    if text and (parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment
                 or len(text) > 500):
        raise DomainError("bad_param", "'public_url' must be an https address such as https://example.trycloudflare"
                                       ".com (providers only call https webhooks).")
    with transaction(conn):
        app_settings.put(conn, channel_store.PUBLIC_URL_KEY, text or None)
    return overview(conn)
