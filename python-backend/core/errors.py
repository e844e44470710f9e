"""The one error every layer raises for a request it refuses: a stable code, a message for people, a kind.

The kind says what went wrong in domain terms; only the web layer (sidecar/errors.py) turns it into an HTTP
status, so no engine or messaging module knows about HTTP.
"""

INVALID = "invalid"            # the input is wrong and the user can fix it
NOT_FOUND = "not_found"        # the thing named does not exist (any more)
CONFLICT = "conflict"          # the thing exists but is in a state that refuses this action
TOO_LARGE = "too_large"        # the input is over a size or count limit
UNSUPPORTED = "unsupported"    # a kind of input (file type) the product does not read
FORBIDDEN = "forbidden"        # the caller may not do this
UNAUTHORIZED = "unauthorized"  # the caller has not shown who it is
RATE_LIMITED = "rate_limited"  # the caller asked too often
UNAVAILABLE = "unavailable"    # a part the action needs (keychain, database) cannot be reached now
STORAGE_FULL = "storage_full"  # the disk is full or read-only

KINDS = (INVALID, NOT_FOUND, CONFLICT, TOO_LARGE, UNSUPPORTED, FORBIDDEN, UNAUTHORIZED, RATE_LIMITED,
         UNAVAILABLE, STORAGE_FULL)


class DomainError(Exception):
    """A refused request or bad input: `code` is stable, `message` is for people, `kind` classifies it."""

    def __init__(self, code, message, kind=INVALID, **details):
        if kind not in KINDS:
            raise ValueError("unknown error kind %r" % kind)
        super().__init__(message)
        self.code, self.message, self.kind, self.details = code, message, kind, details


def not_found(what, ident):
    """The standard error for a missing row."""
    return DomainError("not_found", "%s %s does not exist." % (what, ident), NOT_FOUND)


# Stable codes of the access layer (sidecar/auth.py); the UI acts on them (login screen, hidden controls).
NOT_LOGGED_IN = "not_logged_in"  # team mode: no live session (401)
NOT_ALLOWED = "forbidden"        # the caller's role may not use this route (403)
CSRF_FAILED = "csrf_failed"      # a state-changing request without the session's CSRF token (403)
BAD_LOGIN = "bad_login"          # unknown name, wrong password or disabled user: one answer for all (401)
