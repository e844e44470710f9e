"""Checking request parameters, each failure a 4xx with a stable code."""
import phonenumbers
from flask import current_app

from core import errors
from core.errors import DomainError

SUPPORTED_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)
# A page of the results table; more than this per request only slows the UI down.
MAX_PAGE = 5000
# Pasted text beyond this is a file, not a paste.
MAX_TEXT_CHARS = 5_000_000


def requested_region(value):
    """(region, 'request'|'default'): the asked-for default region, checked, else the configured one."""
    if value is None or str(value).strip() == "":
        return current_app.config["DEFAULT_REGION"], "default"
    region = str(value).strip().upper()
    if region not in SUPPORTED_REGIONS:
        raise DomainError("bad_region", "%r is not a country code we know (use ISO 3166 alpha-2, e.g. IN, US, GB)."
                       % str(value)[:20])
    return region, "request"


def text_field(body, name, max_chars=MAX_TEXT_CHARS):
    """A required string field of a JSON body."""
    value = body.get(name)
    if value is None:
        raise DomainError("missing_field", "The field %r is required." % name)
    if not isinstance(value, str):
        raise DomainError("bad_field", "The field %r must be a string." % name)
    if len(value) > max_chars:
        raise DomainError("too_large", "The field %r is longer than %d characters." % (name, max_chars), errors.TOO_LARGE)
    return value


def int_param(args, name, default, low, high):
    """An integer query parameter within [LOW, HIGH]."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DomainError("bad_param", "%r must be a whole number." % name) from None
    if not low <= value <= high:
        raise DomainError("bad_param", "%r must be between %d and %d." % (name, low, high))
    return value


def optional_limit(args):
    """The optional ?limit= that caps the arrays of an import response (None = everything)."""
    return int_param(args, "limit", None, 0, 10**9)


def page_params(args):
    """(offset, limit) of a paged request."""
    return int_param(args, "offset", 0, 0, 10**9), int_param(args, "limit", 100, 1, MAX_PAGE)
