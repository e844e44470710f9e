"""The do-not-contact list: numbers and email addresses every campaign skips."""
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


def add_values(conn, values, region, note=""):
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
            cursor = conn.execute("INSERT INTO do_not_contact (value, kind, note, created_at) VALUES (?,?,?,?)"
                                  " ON CONFLICT DO NOTHING", (clean, kind, note or "", now()))
            added += cursor.rowcount
            already += 1 - cursor.rowcount
    return {"added": added, "already": already, "invalid": invalid}


def page(conn, q="", offset=0, limit=100):
    """{total, offset, limit, entries} of the list, optionally filtered."""
    where, params = "1=1", []
    if q:
        where, params = contains("value"), [like_pattern(q)]
    total = conn.execute("SELECT COUNT(*) FROM do_not_contact WHERE " + where, params).fetchone()[0]
    rows = conn.execute("SELECT * FROM do_not_contact WHERE %s ORDER BY id DESC LIMIT ? OFFSET ?" % where,
                        params + [limit, offset]).fetchall()
    entries = [{"id": r["id"], "value": r["value"], "kind": r["kind"], "note": r["note"],
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
