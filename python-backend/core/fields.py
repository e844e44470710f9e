"""The one set of request-field validators (JSON body fields and query parameters), each failure a DomainError.

Codes: a required field that is absent or blank -> `missing_field`; a value of the wrong type -> `bad_field`;
text over its length limit -> `too_large` (kind TOO_LARGE); a query parameter that is not a whole number in
its range -> `bad_param`. No Flask here: the blueprints pass `request.args` or the parsed JSON body, and the
messaging package uses the same functions.
"""
from . import errors
from .errors import DomainError

# Rows per page of a list, campaign or do-not-contact page; callers that page a bigger table raise it.
MAX_PAGE = 1000
DEFAULT_PAGE = 100
# A page of the import results table (its rows are small; the UI's virtual table asks for big pages).
MAX_RESULTS_PAGE = 5000
# Offsets beyond this are a client bug, and would overflow SQLite's 64-bit integers as text.
MAX_OFFSET = 10**9
# Pasted text beyond this is a file, not a paste.
MAX_TEXT_CHARS = 5_000_000
MAX_SEARCH_CHARS = 200


def is_id(value):
    """True for a positive integer id (JSON true/false are not ids)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def string_or_refuse(value, field):
    """VALUE when it is a string, else a `bad_field` error naming FIELD."""
    if not isinstance(value, str):
        raise DomainError("bad_field", "'%s' must be text." % field)
    return value


def within_length(value, field, max_len):
    """VALUE when at most MAX_LEN characters, else a `too_large` error naming FIELD."""
    if len(value) > max_len:
        raise DomainError("too_large", "'%s' is longer than %d characters." % (field, max_len), errors.TOO_LARGE)
    return value


def require_text(value, field, max_len=200, allow_empty=False):
    """A stripped text field; with ALLOW_EMPTY an absent or blank value is ''."""
    if value is None and allow_empty:
        return ""
    if value is None:
        raise DomainError("missing_field", "'%s' is required." % field)
    value = string_or_refuse(value, field).strip()
    if not value and not allow_empty:
        raise DomainError("missing_field", "'%s' must not be empty." % field)
    return within_length(value, field, max_len)


def body_text(body, field, max_len=MAX_TEXT_CHARS, default=None):
    """A text field of a JSON body kept exactly as sent ('' is allowed); required unless a DEFAULT is given."""
    value = body.get(field)
    if value is None and default is not None:
        return default
    if value is None:
        raise DomainError("missing_field", "'%s' is required." % field)
    return within_length(string_or_refuse(value, field), field, max_len)


def int_param(args, name, default, low, high):
    """An integer query parameter within [LOW, HIGH], DEFAULT when absent or empty."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise DomainError("bad_param", "'%s' must be a whole number." % name) from None
    if not low <= value <= high:
        raise DomainError("bad_param", "'%s' must be between %d and %d." % (name, low, high))
    return value


def page(args, max_limit=MAX_PAGE, default_limit=DEFAULT_PAGE):
    """(offset, limit) of a paged request from its query ARGS."""
    return (int_param(args, "offset", 0, 0, MAX_OFFSET),
            int_param(args, "limit", default_limit, 1, max_limit))


def optional_limit(args):
    """The optional ?limit= that caps the arrays of a response (None = everything)."""
    return int_param(args, "limit", None, 0, MAX_OFFSET)


def search_text(args, name="q"):
    """A search query parameter, stripped and cut to a sane length ('' when absent)."""
    return (args.get(name) or "").strip()[:MAX_SEARCH_CHARS]
