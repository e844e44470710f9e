"""Drafts kept across restarts: the compose form as JSON, one row per draft name (the UI uses 'compose')."""

from .db import transaction
from core import errors
from core.errors import DomainError
from .util import dumps, iso, loads, now

NAMES = ("compose",)
MAX_DRAFT_BYTES = 256 * 1024  # a form, not a file: the body alone is limited far below this


def check_name(name):
    """A known draft name, else a 404."""
    if name not in NAMES:
        raise DomainError("not_found", "No draft called %r." % name, errors.NOT_FOUND)


def get(conn, name):
    """{name, data, updated_at}; data is null when nothing is saved."""
    check_name(name)
    row = conn.execute("SELECT data, updated_at FROM drafts WHERE name=?", (name,)).fetchone()
    if row is None:
        return {"name": name, "data": None, "updated_at": None}
    return {"name": name, "data": loads(row["data"]), "updated_at": iso(row["updated_at"])}


def put(conn, name, data):
    """Save DATA (a JSON object) as draft NAME, replacing what was there."""
    check_name(name)
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        raise DomainError("bad_param", "Send {\"data\": {...}}: the draft is a JSON object.")
    text = dumps(data["data"])
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise DomainError("draft_too_large", "A draft may hold at most %d KB." % (MAX_DRAFT_BYTES // 1024),
                          errors.TOO_LARGE)
    with transaction(conn):
        conn.execute("INSERT INTO drafts (name, data, updated_at) VALUES (?,?,?) ON CONFLICT (name) DO UPDATE SET "
                     "data=excluded.data, updated_at=excluded.updated_at", (name, text, now()))
    return get(conn, name)


def delete(conn, name):
    """Forget draft NAME (nothing happens when none is saved)."""
    check_name(name)
    with transaction(conn):
        conn.execute("DELETE FROM drafts WHERE name=?", (name,))
    return {"deleted": name}


