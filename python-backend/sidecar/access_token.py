"""The access token remote clients present: random, created once per data directory, owner-only, never logged."""
import hmac
import os
import secrets

TOKEN_FILE_NAME = "access_token"
# 32 random bytes = 256 bits; the rule asks for at least 128.
TOKEN_BYTES = 32
# A token shorter than this was truncated or hand-edited: replace it rather than trust it.
MIN_TOKEN_CHARS = 22
OWNER_ONLY = 0o600
# What the session cookie's HMAC signs: the cookie proves knowledge of the token without being the token.
SESSION_PURPOSE = b"bulkmsg-session-cookie-v1"


def token_path(data_dir):
    """Where the token of DATA_DIR lives."""
    return os.path.join(data_dir, TOKEN_FILE_NAME)


def read_token(data_dir):
    """The saved token, or None when there is none (or it is unusable)."""
    try:
        with open(token_path(data_dir), encoding="ascii") as f:
            token = f.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return token if len(token) >= MIN_TOKEN_CHARS else None


def write_new_token(data_dir):
    """Create a fresh token file readable by the owner only, atomically, and return the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    path = token_path(data_dir)
    temp = "%s.%s.tmp" % (path, secrets.token_hex(4))
    # O_EXCL + mode at creation: the token is never readable by others, not even for a moment.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    os.replace(temp, path)
    return token


def load_or_create_token(data_dir):
    """The data directory's token, created on first run; its file is kept owner-only."""
    os.makedirs(data_dir, exist_ok=True)
    token = read_token(data_dir)
    if token is None:
        return write_new_token(data_dir)
    os.chmod(token_path(data_dir), OWNER_ONLY)
    return token


def token_matches(expected, presented):
    """Whether PRESENTED is the token, compared in constant time."""
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8", "replace"))


def session_value(token):
    """The session cookie value for TOKEN (HMAC-SHA256, hex): rotating the token invalidates every cookie."""
    return hmac.new(token.encode("utf-8"), SESSION_PURPOSE, "sha256").hexdigest()
