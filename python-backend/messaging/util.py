"""Small helpers shared by the messaging modules: time, JSON columns, LIKE patterns (field checks: core.fields)."""
import datetime
import json
import time


def now():
    """Seconds since the epoch (the store keeps REAL timestamps)."""
    return time.time()


def iso(ts):
    """A stored epoch timestamp as ISO-8601 UTC text, or None."""
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def dumps(value):
    """JSON text for a TEXT column."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text, default=None):
    """A JSON column's value (DEFAULT when empty)."""
    return json.loads(text) if text else default


def like_pattern(q):
    """A LIKE pattern matching Q anywhere, with LIKE's wildcards escaped (use with ESCAPE '\\')."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"


def contains(column):
    """A case-insensitive `COLUMN contains ?` condition for a like_pattern() parameter.

    LOWER on both sides: SQLite's LIKE ignores ASCII case but PostgreSQL's does not, and each database
    folds both sides the same way (SQLite ASCII only, PostgreSQL Unicode).
    """
    return "LOWER(%s) LIKE LOWER(?) ESCAPE '\\'" % column
