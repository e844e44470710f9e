"""Channel secrets (passwords, tokens) live in the operating system's keychain through `keyring`.

macOS Keychain, Windows Credential Locker, or the Secret Service (GNOME Keyring / KWallet) on Linux.
The database only records that a channel has a secret; the API never returns one and nothing logs one.
"""
import json
import logging

from core import errors
from core.errors import DomainError

SERVICE = "BulkMessaging"
log = logging.getLogger("messaging.secrets")


def backend():
    """The usable keyring backend, or a 503 when the system has none (e.g. no Secret Service running)."""
    import keyring
    from keyring.backends import fail

    try:
        chosen = keyring.get_keyring()
    except Exception:  # keyring's discovery can raise any backend-specific error
        chosen = None
    if chosen is None or isinstance(chosen, fail.Keyring) or chosen.priority <= 0:
        raise DomainError("keychain_unavailable", "No system keychain is available to store the channel's "
                             "secret (on Linux, start GNOME Keyring or another Secret Service).", errors.UNAVAILABLE)
    return chosen


def account(channel_id):
    """The keychain entry name of a channel."""
    return "channel-%d" % channel_id


def store(channel_id, secrets):
    """Save SECRETS (a dict of strings) for CHANNEL_ID."""
    try:
        backend().set_password(SERVICE, account(channel_id), json.dumps(secrets))
    except DomainError:
        raise
    except Exception as err:  # backend errors (locked keyring, D-Bus failure) vary by platform
        raise DomainError("keychain_error", "The system keychain refused to store the secret (%s)."
                             % type(err).__name__, errors.UNAVAILABLE) from None


def load(channel_id):
    """The secrets of CHANNEL_ID ({} when none are stored)."""
    try:
        raw = backend().get_password(SERVICE, account(channel_id))
    except DomainError:
        raise
    except Exception as err:
        raise DomainError("keychain_error", "The system keychain could not be read (%s)."
                             % type(err).__name__, errors.UNAVAILABLE) from None
    return json.loads(raw) if raw else {}


def forget(channel_id):
    """Delete the secrets of CHANNEL_ID if any (the channel itself is already gone)."""
    import keyring.errors

    try:
        backend().delete_password(SERVICE, account(channel_id))
    except (keyring.errors.PasswordDeleteError, DomainError):
        pass
    except Exception as err:  # a locked keyring or a D-Bus failure must not turn a done delete into a 500
        log.warning("channel %d: its keychain entry could not be removed (%s)", channel_id, type(err).__name__)
