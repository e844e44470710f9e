"""Small helpers shared by the messaging modules: time, JSON columns, paging."""
import datetime
import json
import time

from core.errors import DomainError

MAX_PAGE = 1000


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


def paging(offset, limit, default_limit=100):
    """Validated (offset, limit) from user input."""
    try:
        offset = int(offset or 0)
        limit = int(limit if limit not in (None, "") else default_limit)
    except (TypeError, ValueError):
        raise DomainError("bad_param", "offset and limit must be integers.") from None
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise DomainError("bad_param", "offset must be >= 0 and limit between 1 and %d." % MAX_PAGE)
    return offset, limit


def require_text(value, field, max_len=200, allow_empty=False):
    """A stripped string field, or a 4xx naming the field."""
    if value is None and not allow_empty:
        raise DomainError("missing_field", "'%s' is required." % field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError("bad_param", "'%s' must be text." % field)
    value = value.strip()
    if not value and not allow_empty:
        raise DomainError("missing_field", "'%s' must not be empty." % field)
    if len(value) > max_len:
        raise DomainError("bad_param", "'%s' is longer than %d characters." % (field, max_len))
    return value


def like_pattern(q):
    """A LIKE pattern matching Q anywhere, with LIKE's wildcards escaped."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"


def is_id(value):
    """True for a positive integer id (JSON true/false are not ids)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
