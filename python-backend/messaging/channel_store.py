"""Saved channels: settings in the database, secrets in the keychain or the encrypted file, or in the team mode
encrypted in the database (never returned)."""
from . import app_settings, audit, channels, secrets
from .channels.base import SendError
from .db import insert_id, transaction
from core import errors
from core.errors import DomainError, not_found
from core.fields import require_text
from .util import dumps, iso, loads, now

PUBLIC_URL_KEY = "public_url"  # the https address of the user's tunnel, where providers reach the webhooks
WEBHOOK_PREFIX = {"whatsapp": "/webhooks/whatsapp", "twilio": "/webhooks/twilio"}


def channel_out(row):
    """A channel as the API shows it: settings, and only whether a secret is stored."""
    config = channels.declared_config(row["type"], loads(row["config"], {}))
    return {"id": row["id"], "name": row["name"], "type": row["type"], "config": config,
            "address": channels.address_kind(row["type"], config), "has_secret": bool(row["has_secret"]),
            "archived": row["archived_at"] is not None, "archived_at": iso(row["archived_at"]),
            "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"])}


def channel_row(conn, channel_id):
    """The channels row, or a 404."""
    row = conn.execute("SELECT * FROM channels WHERE id=?", (channel_id,)).fetchone()
    if row is None:
        raise not_found("Channel", channel_id)
    return row


def create(conn, data, data_dir=None, actor=None):
    """Save a channel; its secrets (and ACTOR's audit entry) are stored inside the same transaction, so a failure
    leaves no row.

    No keychain is no failure: secrets.store falls back to the encrypted file."""
    name = require_text(data.get("name"), "name")
    channel_type = data.get("type")
    config = channels.check_config(channel_type, data.get("config") or {})
    secret_values = channels.check_secrets(channel_type, data.get("secrets"), creating=True)
    with transaction(conn):
        stamp = now()
        channel_id = insert_id(
            conn, "INSERT INTO channels (name, type, config, has_secret, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (name, channel_type, dumps(config), int(bool(secret_values)), stamp, stamp))
        if secret_values:
            secrets.store(channel_id, secret_values, data_dir, conn)
        audit.record_by(conn, actor, "channel.created", "channel", channel_id, {"name": name, "type": channel_type})
    return channel_out(channel_row(conn, channel_id))


def update(conn, channel_id, data, data_dir=None, before_change=None, actor=None):
    """Change a channel's name, settings or secrets (secrets given replace the stored ones), audited for ACTOR in
    the same transaction (the entry names what changed, never a value of a secret).

    BEFORE_CHANGE() runs once the request is known to be valid, just before the write (the API pauses the
    campaigns that use the channel there, so a refused edit pauses nothing)."""
    row = channel_row(conn, channel_id)
    name = require_text(data.get("name", row["name"]), "name")
    config = channels.check_config(row["type"], data["config"]) if "config" in data else loads(row["config"], {})
    secret_values = channels.check_secrets(row["type"], data.get("secrets"), creating=False)
    if before_change is not None:
        before_change()
    with transaction(conn):
        has_secret = row["has_secret"] or bool(secret_values)
        conn.execute("UPDATE channels SET name=?, config=?, has_secret=?, updated_at=? WHERE id=?",
                     (name, dumps(config), int(has_secret), now(), channel_id))
        if secret_values:
            merged = dict(secrets.load(channel_id, data_dir, conn)) if row["has_secret"] else {}
            merged.update(secret_values)
            secrets.store(channel_id, merged, data_dir, conn)
        changed = sorted(key for key in ("name", "config", "secrets") if key in data)
        audit.record_by(conn, actor, "channel.changed", "channel", channel_id, {"changed": changed})
    return channel_out(channel_row(conn, channel_id))


def running_campaigns(conn, channel_id):
    """Ids of the running campaigns that send through CHANNEL_ID (paused before the channel changes)."""
    return [r[0] for r in conn.execute("SELECT id FROM campaigns WHERE channel_id=? AND status='running' "
                                       "ORDER BY id", (channel_id,))]


def delete(conn, channel_id, data_dir=None, actor=None):
    """Delete an unused channel and its secrets; archive one that campaigns used (their reports keep its name).

    Returns 'deleted' or 'archived'. Running campaigns must be paused first (the API does that). ACTOR's audit
    entry (channel.deleted or channel.archived) commits with the change; archiving an archived one changes nothing."""
    row = channel_row(conn, channel_id)
    if running_campaigns(conn, channel_id):
        raise DomainError("channel_in_use", "A running campaign uses this channel; pause it first.",
                          errors.CONFLICT)
    if conn.execute("SELECT 1 FROM campaigns WHERE channel_id=? LIMIT 1", (channel_id,)).fetchone():
        if row["archived_at"] is None:
            with transaction(conn):
                conn.execute("UPDATE channels SET archived_at=?, updated_at=? WHERE id=?", (now(), now(), channel_id))
                audit.record_by(conn, actor, "channel.archived", "channel", channel_id, {"name": row["name"]})
        return "archived"
    with transaction(conn):
        conn.execute("DELETE FROM channels WHERE id=?", (channel_id,))
        audit.record_by(conn, actor, "channel.deleted", "channel", channel_id, {"name": row["name"]})
    secrets.forget(channel_id, data_dir, conn)
    return "deleted"


def webhook_path(channel_type, channel_id):
    """The path providers post CHANNEL_ID's statuses and inbound messages to, or None for types without one."""
    prefix = WEBHOOK_PREFIX.get(channel_type)
    return "%s/%d" % (prefix, channel_id) if prefix else None


def usable_channel(conn, channel_id):
    """The channels row for a new campaign or a test send: not archived (409), else a 404."""
    row = channel_row(conn, channel_id)
    if row["archived_at"] is not None:
        raise DomainError("channel_archived", "This channel is archived; choose another one.", errors.CONFLICT)
    return row


def all_channels(conn, include_archived=False):
    """Every channel, newest first (archived ones only when asked)."""
    where = "" if include_archived else " WHERE archived_at IS NULL"
    return [channel_out(r) for r in conn.execute("SELECT * FROM channels%s ORDER BY id DESC" % where)]


def channel_secrets(conn, channel_id, data_dir):
    """The stored secrets of CHANNEL_ID ({} when it has none; DomainError when they cannot be read)."""
    return secrets.load(channel_id, data_dir, conn) if channel_row(conn, channel_id)["has_secret"] else {}


def open_channel(conn, channel_id, data_dir, options=None, secret_values=None):
    """A ready-to-send channel object with its secrets (SECRET_VALUES when they were read already), and campaign
    OPTIONS merged into its settings."""
    row = channel_row(conn, channel_id)
    config = loads(row["config"], {})
    config.update((options or {}).get("channel_overrides") or {})
    public_url = app_settings.get(conn, PUBLIC_URL_KEY)
    if row["type"] == "twilio" and public_url and not config.get("status_callback"):
        config["status_callback"] = public_url + webhook_path(row["type"], channel_id)
    if secret_values is None:
        secret_values = channel_secrets(conn, channel_id, data_dir)
    return channels.build(row["type"], config, secret_values, data_dir, channel_id)


def test_connection(conn, channel_id, data_dir):
    """Connect and authenticate without sending: {ok: true, details} or {ok: false, code, kind, error}."""
    channel = open_channel(conn, channel_id, data_dir)
    try:
        details = channel.check()
    except SendError as err:
        return {"ok": False, "code": err.code, "kind": err.kind, "error": err.message, "details": None}
    finally:
        channel.close()
    return {"ok": True, "code": None, "kind": None, "error": None, "details": details}
