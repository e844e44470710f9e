"""The do-not-contact list (the consent list, see consent.py): numbers and email addresses every campaign skips,
each with where it came from."""
import re

from . import contacts_check
from .db import transaction
from core import errors
from core.errors import DomainError, not_found
from .util import contains, iso, like_pattern, now

MAX_VALUES = 100_000
MAX_NOTE = 500
SPLIT = re.compile(r"[\n;,]+")


def classify(value, region):
    """(kind, normalised) of one entry: an email when it has an @, else a phone number."""
    if "@" in value:
        return "email", contacts_check.check_email(value)
    return "number", contacts_check.check_number(value, region)


def split_values(values):
    """The entries of pasted text or a JSON array."""
    if isinstance(values, str):
        values = SPLIT.split(values)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise DomainError("bad_param", "'values' must be text or a list of texts.")
    values = [v.strip() for v in values if v.strip()]
    if not values:
        raise DomainError("missing_field", "Give at least one number or email address.")
    if len(values) > MAX_VALUES:
        raise DomainError("too_large", "At most %d entries at once." % MAX_VALUES, errors.TOO_LARGE)
    return values


def insert(conn, value, kind, note="", source="manual", channel_id=None):
    """One normalised entry (caller's transaction); True when it was not on the list yet."""
    return conn.execute("INSERT INTO do_not_contact (value, kind, note, source, channel_id, created_at) "
                        "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                        (value, kind, note or "", source, channel_id, now())).rowcount == 1


def add_values(conn, values, region, note="", source="manual"):
    """Add entries; returns {added, already, invalid: [{value, code, message}]}."""
    added = already = 0
    invalid = []
    with transaction(conn):
        for value in split_values(values):
            try:
                kind, clean = classify(value, region)
            except DomainError as err:
                invalid.append({"value": value, "code": err.code, "message": err.message})
                continue
            fresh = insert(conn, clean, kind, note, source)
            added += fresh
            already += not fresh
    return {"added": added, "already": already, "invalid": invalid}


def page(conn, q="", offset=0, limit=100):
    """{total, offset, limit, entries} of the list, optionally filtered."""
    where, params = "1=1", []
    if q:
        where, params = contains("d.value"), [like_pattern(q)]
    total = conn.execute("SELECT COUNT(*) FROM do_not_contact d WHERE " + where, params).fetchone()[0]
    rows = conn.execute("SELECT d.*, c.name AS channel_name FROM do_not_contact d LEFT JOIN channels c "
                        "ON c.id=d.channel_id WHERE %s ORDER BY d.id DESC LIMIT ? OFFSET ?" % where,
                        params + [limit, offset]).fetchall()
    entries = [{"id": r["id"], "value": r["value"], "kind": r["kind"], "note": r["note"], "source": r["source"],
                "channel_id": r["channel_id"], "channel_name": r["channel_name"],
                "created_at": iso(r["created_at"])} for r in rows]
    return {"total": total, "offset": offset, "limit": limit, "entries": entries}


def remove(conn, entry_id):
    """Delete one entry by id."""
    with transaction(conn):
        if conn.execute("DELETE FROM do_not_contact WHERE id=?", (entry_id,)).rowcount == 0:
            raise not_found("Do-not-contact entry", entry_id)


def blocked(conn, *values):
    """True when any of VALUES (numbers or emails, already normalised) is on the list."""
    wanted = [v for v in values if v]
    if not wanted:
        return False
    marks = ",".join("?" * len(wanted))
    return conn.execute("SELECT 1 FROM do_not_contact WHERE value IN (%s) LIMIT 1" % marks, wanted).fetchone() \
        is not None


def listed(conn, values):
    """The subset of VALUES (normalised numbers or emails) that is on the list."""
    found = set()
    values = list(dict.fromkeys(values))
    for start in range(0, len(values), 500):  # under SQLite's bound-parameter limit
        chunk = values[start:start + 500]
        found.update(v for (v,) in conn.execute("SELECT value FROM do_not_contact WHERE value IN (%s)"
                                                % ",".join("?" * len(chunk)), chunk))
    return found
