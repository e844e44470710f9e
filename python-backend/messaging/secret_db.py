"""Channel secrets in the database (team mode): one `channel_secrets` row per channel, AES-256-GCM ciphertext only.

Rows are written on the caller's connection, so saving a channel and its secrets is one transaction. A row holds
the key id, the nonce and the ciphertext of the JSON {secret name: value}, bound to its channel id
(messaging/secret_keys.py). Reading with another key, or a row moved to another channel, is `secrets_unreadable`
(503), never a crash, and the message names key ids only.
"""
import json

from core import errors
from core.errors import DomainError

from .db import transaction
from .util import now


def put(conn, key, channel_id, values):
    """Encrypt VALUES for CHANNEL_ID under KEY and replace its row (inside the caller's transaction, if any)."""
    nonce, sealed = key.encrypt(channel_id, json.dumps(values).encode("utf-8"))
    conn.execute("INSERT INTO channel_secrets (channel_id, key_id, nonce, ciphertext, updated_at) VALUES (?,?,?,?,?) "
                 "ON CONFLICT (channel_id) DO UPDATE SET key_id=excluded.key_id, nonce=excluded.nonce, "
                 "ciphertext=excluded.ciphertext, updated_at=excluded.updated_at",
                 (channel_id, key.id, nonce, sealed, now()))


def get(conn, key, channel_id):
    """The secrets of CHANNEL_ID ({} without a row); `secrets_unreadable` when KEY cannot open them."""
    row = conn.execute("SELECT key_id, nonce, ciphertext FROM channel_secrets WHERE channel_id=?",
                       (channel_id,)).fetchone()
    if row is None:
        return {}
    return opened(key, channel_id, row[0], row[1], row[2])


def opened(key, channel_id, key_id, nonce, sealed):
    """The decrypted secrets of one row; `secrets_unreadable` on another key or a row not made for CHANNEL_ID."""
    from cryptography.exceptions import InvalidTag

    if key_id != key.id:
        raise unreadable(channel_id, "they were encrypted with key %s and this process has key %s; give every "
                         "API and worker process the same key (docs/server.md)" % (key_id, key.id))
    try:
        return json.loads(key.decrypt(channel_id, nonce, sealed).decode("utf-8"))
    except (InvalidTag, ValueError):
        raise unreadable(channel_id, "the stored ciphertext does not belong to this channel or was damaged; "
                         "enter the channel's secrets again") from None


def has_row(conn, channel_id):
    """Whether CHANNEL_ID's secrets are kept in the database."""
    return conn.execute("SELECT 1 FROM channel_secrets WHERE channel_id=?", (channel_id,)).fetchone() is not None


def delete(conn, channel_id):
    """Forget CHANNEL_ID's secrets (nothing happens without a row)."""
    conn.execute("DELETE FROM channel_secrets WHERE channel_id=?", (channel_id,))


def rotate(conn, old_key, new_key):
    """Re-encrypt every row under NEW_KEY in one transaction; rows already under it are left. The count changed.

    Every row must open with OLD_KEY (or already be under NEW_KEY): one that does not aborts the whole rotation,
    so no row is ever left under a key nobody holds."""
    changed = 0
    with transaction(conn):
        rows = conn.execute("SELECT channel_id, key_id, nonce, ciphertext FROM channel_secrets "
                            "ORDER BY channel_id").fetchall()
        for channel_id, key_id, nonce, sealed in rows:
            if key_id == new_key.id:
                continue
            put(conn, new_key, channel_id, opened(old_key, channel_id, key_id, nonce, sealed))
            changed += 1
    return changed


def key_ids(conn):
    """{key id: rows} of the stored secrets (for status and the rotate command's report)."""
    return {r[0]: r[1] for r in conn.execute("SELECT key_id, COUNT(*) FROM channel_secrets GROUP BY key_id")}


def unreadable(channel_id, why):
    """The refusal when a channel's stored secrets cannot be opened (the same code as the desktop's file)."""
    return DomainError("secrets_unreadable", "The saved secrets of channel %d cannot be read: %s."
                       % (channel_id, why), errors.UNAVAILABLE)
