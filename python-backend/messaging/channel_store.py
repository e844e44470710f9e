"""Saved channels: settings in the database, secrets in the system keychain (never returned)."""
from . import channels, secrets
from .db import transaction
from core import errors
from core.errors import DomainError, not_found
from .util import dumps, iso, loads, now, require_text


def channel_out(row):
    """A channel as the API shows it: settings, and only whether a secret is stored."""
    config = loads(row["config"], {})
    return {"id": row["id"], "name": row["name"], "type": row["type"], "config": config,
            "address": channels.address_kind(row["type"], config), "has_secret": bool(row["has_secret"]),
            "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"])}


def channel_row(conn, channel_id):
    """The channels row, or a 404."""
    row = conn.execute("SELECT * FROM channels WHERE id=?", (channel_id,)).fetchone()
    if row is None:
        raise not_found("Channel", channel_id)
    return row


def create(conn, data):
    """Save a channel; its secrets go to the keychain first so a keychain failure leaves no row."""
    name = require_text(data.get("name"), "name")
    channel_type = data.get("type")
    config = channels.check_config(channel_type, data.get("config") or {})
    secret_values = channels.check_secrets(channel_type, data.get("secrets"), creating=True)
    if secret_values:
        secrets.backend()
    with transaction(conn):
        stamp = now()
        channel_id = conn.execute(
            "INSERT INTO channels (name, type, config, has_secret, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (name, channel_type, dumps(config), int(bool(secret_values)), stamp, stamp)).lastrowid
        if secret_values:
            secrets.store(channel_id, secret_values)
    return channel_out(channel_row(conn, channel_id))


def update(conn, channel_id, data):
    """Change a channel's name, settings or secrets (secrets given replace the stored ones)."""
    row = channel_row(conn, channel_id)
    name = require_text(data.get("name", row["name"]), "name")
    config = channels.check_config(row["type"], data["config"]) if "config" in data else loads(row["config"], {})
    secret_values = channels.check_secrets(row["type"], data.get("secrets"), creating=False)
    with transaction(conn):
        has_secret = row["has_secret"] or bool(secret_values)
        conn.execute("UPDATE channels SET name=?, config=?, has_secret=?, updated_at=? WHERE id=?",
                     (name, dumps(config), int(has_secret), now(), channel_id))
        if secret_values:
            merged = dict(secrets.load(channel_id)) if row["has_secret"] else {}
            merged.update(secret_values)
            secrets.store(channel_id, merged)
    return channel_out(channel_row(conn, channel_id))


def delete(conn, channel_id):
    """Delete a channel no campaign uses, and its secrets."""
    channel_row(conn, channel_id)
    if conn.execute("SELECT 1 FROM campaigns WHERE channel_id=? LIMIT 1", (channel_id,)).fetchone():
        raise DomainError("channel_in_use", "Campaigns use this channel; delete them first.", errors.CONFLICT)
    with transaction(conn):
        conn.execute("DELETE FROM channels WHERE id=?", (channel_id,))
    secrets.forget(channel_id)


def all_channels(conn):
    """Every channel, newest first."""
    return [channel_out(r) for r in conn.execute("SELECT * FROM channels ORDER BY id DESC")]


def open_channel(conn, channel_id, data_dir, options=None):
    """A ready-to-send channel object with its secrets, and campaign OPTIONS merged into its settings."""
    row = channel_row(conn, channel_id)
    config = loads(row["config"], {})
    config.update((options or {}).get("channel_overrides") or {})
    secret_values = secrets.load(channel_id) if row["has_secret"] else {}
    return channels.build(row["type"], config, secret_values, data_dir, channel_id)
