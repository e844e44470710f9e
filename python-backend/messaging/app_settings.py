"""Small values the user sets inside the app (opt-out words, the tunnel's public URL), kept as JSON in the store.

The sidecar's own start-up settings (port, data directory) live in settings.json instead: these change while it
runs and belong with the data they govern.
"""
import json

from .util import now


def get(conn, key, default=None):
    """The value stored under KEY, or DEFAULT."""
    row = conn.execute("SELECT value FROM app_settings WHERE key=?", (key,)).fetchone()
    if row is None:
        return default
    try:
        return json.loads(row[0])
    except ValueError:
        return default


def put(conn, key, value):
    """Store VALUE under KEY (caller's transaction); None removes it."""
    if value is None:
        conn.execute("DELETE FROM app_settings WHERE key=?", (key,))
        return
    conn.execute("INSERT INTO app_settings (key, value, updated_at) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE "
                 "SET value=excluded.value, updated_at=excluded.updated_at", (key, json.dumps(value), now()))
