"""The one small interface every channel implements: send one message -> provider id, or a classified error."""
from dataclasses import dataclass, field

# How the runner treats a failed send:
RATE_LIMITED = "rate_limited"  # not sent; wait (Retry-After) and try the same recipient again
TRANSIENT = "transient"        # not sent; retry later with backoff, then give up as failed
PERMANENT = "permanent"        # not sent and never will be for this recipient: failed
UNKNOWN = "unknown"            # the provider may have accepted it (e.g. timeout after the request): never auto-retried
FATAL = "fatal"                # the channel itself is broken (bad credentials): pause the campaign
KINDS = (RATE_LIMITED, TRANSIENT, PERMANENT, UNKNOWN, FATAL)


class SendError(Exception):
    """A send that did not succeed, with its kind, a stable code and an optional Retry-After in seconds."""

    def __init__(self, kind, code, message, retry_after=None):
        super().__init__(message)
        assert kind in KINDS
        self.kind, self.code, self.message, self.retry_after = kind, code, message, retry_after


@dataclass
class Message:
    """One rendered message for one recipient."""

    to: str
    body: str
    subject: str = ""
    name: str = ""
    params: list = field(default_factory=list)  # rendered template parameters (WhatsApp templates)


class Channel:
    """Base class: subclasses set ADDRESS ('email' or 'number') and implement send()."""

    ADDRESS = "number"

    def send(self, message):
        """Deliver MESSAGE to the provider; return its message id or raise SendError."""
        raise NotImplementedError

    def close(self):
        """Release connections (called when a run ends)."""


def parse_retry_after(value, default=None):
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), else DEFAULT."""
    if value in (None, ""):
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils
    import time
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default
