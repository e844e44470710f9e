"""The one small interface every channel implements: send one message -> provider id, or a classified error."""
from dataclasses import dataclass, field

# How the runner treats a failed send:
RATE_LIMITED = "rate_limited"  # not sent; wait (Retry-After) and try the same recipient again
TRANSIENT = "transient"        # not sent; retry later with backoff, then give up as failed
PERMANENT = "permanent"        # not sent and never will be for this recipient: failed
UNKNOWN = "unknown"            # the provider may have accepted it (e.g. timeout after the request): never auto-retried
FATAL = "fatal"                # the channel itself is broken (bad credentials): pause the campaign
SKIP = "skip"                  # not sent and must not be (e.g. the number is not on WhatsApp): recipient skipped
KINDS = (RATE_LIMITED, TRANSIENT, PERMANENT, UNKNOWN, FATAL, SKIP)


class SendError(Exception):
    """A send that did not succeed, with its kind, a stable code and an optional Retry-After in seconds.

    PAUSE_UNTIL (epoch seconds), on a RATE_LIMITED or FATAL error, asks the runner to pause the whole campaign
    with MESSAGE as the reason and resume it by itself at that time (WhatsApp Web's 429/463 answers). PAUSE, on an
    UNKNOWN error, also stops the campaign with MESSAGE (the sender itself broke mid-send, e.g. the WhatsApp Web
    engine died): the row stays unknown and nothing else is tried until the user resumes."""

    def __init__(self, kind, code, message, retry_after=None, pause_until=None, pause=False):
        super().__init__(message)
        assert kind in KINDS
        self.kind, self.code, self.message, self.retry_after = kind, code, message, retry_after
        self.pause_until, self.pause = pause_until, pause


@dataclass
class Message:
    """One rendered message for one recipient."""

    to: str
    body: str
    subject: str = ""
    name: str = ""
    params: list = field(default_factory=list)  # rendered template parameters (WhatsApp templates)
    message_id: str = None   # the id the app chose before sending (channels with ASSIGNS_IDS), stored in the row
    attachment: dict = None  # {path, mime, kind, file_name, size} of the campaign's one attachment, or None
    recipient_id: int = None


TEXT = "text"      # a setting given as a JSON string (host names, ids, URLs, template names)
NUMBER = "number"  # a setting given as a JSON number (port, timeout)


@dataclass(frozen=True)
class Setting:
    """One setting of a channel type: its name, value kind, and whether a channel needs it."""

    name: str
    kind: str = TEXT
    required: bool = False


class Channel:
    """Base class: a channel type declares itself with the attributes below and implements send().

    TYPE: the registry key. ADDRESS: 'email' or 'number', the contact field it sends to. SETTINGS: its
    Setting list. SECRETS: the secret fields it accepts (kept in the keychain), REQUIRED_SECRETS those a
    new channel must give. check_config() adds the type's own rules to the generic checks.
    """

    TYPE = None
    ADDRESS = "number"
    SETTINGS = ()
    SECRETS = ()
    REQUIRED_SECRETS = ()
    # True when the app chooses each message's id before the send (stored in the 'sending' row's provider_id,
    # reused when an 'unknown' row is retried); new_message_id() makes one.
    ASSIGNS_IDS = False
    # Pacing values a new campaign on this type starts from (the user's own values win); shown in the planner.
    DEFAULT_PACING = {}
    # Attachment kinds this type can send ("image", "document"); empty: no attachments.
    ATTACHMENTS = ()

    @classmethod
    def new_message_id(cls):
        """A fresh message id for a channel that assigns them."""
        raise NotImplementedError

    @classmethod
    def check_config(cls, config):
        """Refuse or normalise this type's settings in place (after the generic kind/required checks)."""

    @classmethod
    def address_kind(cls, config):
        """Which contact field a channel with CONFIG sends to."""
        return cls.ADDRESS

    @classmethod
    def runtime_config(cls, config, data_dir, channel_id):
        """CONFIG plus what the app itself decides at run time (e.g. a file path); stored config is user input."""
        return config

    def send(self, message):
        """Deliver MESSAGE to the provider; return its message id or raise SendError."""
        raise NotImplementedError

    def check(self):
        """Test the connection and credentials without sending any message: a dict of what the provider said,
        or a SendError with the provider's own message."""
        return {}

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
