"""Channel secrets (passwords, tokens): the OS keychain when there is one, else an encrypted file.

Keychain: macOS Keychain, Windows Credential Locker, or the Secret Service (GNOME Keyring / KWallet) on Linux,
through `keyring`. Without one (headless Linux, no Secret Service running) secrets go to an encrypted file in
the data directory whose key is kept in the user's configuration directory (messaging/secret_file.py), so saving
a channel never fails just because there is no keychain. The database only records that a channel has a secret;
the API never returns one and nothing logs one.
"""
import json
import logging
import os

from . import secret_file
from core import errors
from core.errors import DomainError

SERVICE = "BulkMessaging"
KEYCHAIN, FILE = "keychain", "file"
log = logging.getLogger("messaging.secrets")
_config_dirs = {}  # data dir -> config dir, registered by the app at start (in-process tests run several apps)
_last = {"data_dir": None}

PROTECTION = {
    KEYCHAIN: {"protects_against": ["a copied or backed-up data folder (it holds no secret)",
                                    "other users of this computer",
                                    "reading the disk while you are logged out (the keychain is locked)"],
               "does_not_protect_against": ["programs running as you while the keychain is unlocked"]},
    FILE: {"protects_against": ["a copied or backed-up data folder (its key is kept in the configuration folder)",
                                "other users of this computer (both files are owner-only)"],
           "does_not_protect_against": ["programs running as you, or an administrator (they can read both files)",
                                        "a backup that holds both the data folder and the configuration folder"]},
}


def configure(data_dir, config_dir):
    """Remember where the secrets file of DATA_DIR keeps its key."""
    _config_dirs[os.path.abspath(data_dir)] = config_dir
    _last["data_dir"] = os.path.abspath(data_dir)


def file_store(data_dir=None):
    """The encrypted-file store of DATA_DIR (the last configured one when None; None when there is none)."""
    data_dir = os.path.abspath(data_dir) if data_dir else _last["data_dir"]
    if data_dir is None:  # a caller outside the app that did not say where its data lives
        return None
    return secret_file.SecretFile(data_dir, _config_dirs.get(data_dir) or default_config_dir())


def required_file_store(data_dir=None):
    """The file store, or a 503 when no data directory is known to hold it."""
    store = file_store(data_dir)
    if store is None:
        raise DomainError("secrets_file_error", "No keychain, and no data directory for the secrets file.",
                          errors.UNAVAILABLE)
    return store


def default_config_dir():
    """The platform's per-user configuration folder of the app (used when none was configured)."""
    from sidecar.settings import user_config_dir

    return user_config_dir()


def keychain():
    """The usable keyring backend, or None when the system has none (e.g. no Secret Service running)."""
    import keyring
    from keyring.backends import fail

    try:
        chosen = keyring.get_keyring()
    except Exception:  # keyring's discovery can raise any backend-specific error
        return None
    if chosen is None or isinstance(chosen, fail.Keyring) or chosen.priority <= 0:
        return None
    return chosen


def account(channel_id):
    """The keychain entry name of a channel."""
    return "channel-%d" % channel_id


def store(channel_id, values, data_dir=None):
    """Save VALUES (a dict of strings) for CHANNEL_ID: the keychain, or the file when it is absent or refuses."""
    chain = keychain()
    if chain is not None:
        try:
            chain.set_password(SERVICE, account(channel_id), json.dumps(values))
        except Exception as err:  # a locked keyring or a D-Bus failure: fall back rather than lose the channel
            log.warning("channel %d: the keychain refused the secret (%s); using the encrypted file",
                        channel_id, type(err).__name__)
        else:
            stale = file_store(data_dir)
            if stale is not None:
                stale.delete(account(channel_id))  # no old copy left behind in the file
            return KEYCHAIN
    required_file_store(data_dir).set(account(channel_id), values)
    return FILE


def load(channel_id, data_dir=None):
    """The secrets of CHANNEL_ID ({} when none are stored): the keychain's entry first, then the file's."""
    chain = keychain()
    if chain is not None:
        try:
            raw = chain.get_password(SERVICE, account(channel_id))
        except Exception as err:  # unreadable keychain: the file may still hold the secret
            log.warning("channel %d: the keychain could not be read (%s)", channel_id, type(err).__name__)
            raw = None
        if raw:
            return json.loads(raw)
    store = file_store(data_dir)
    return store.get(account(channel_id)) if store is not None else {}


def forget(channel_id, data_dir=None):
    """Delete the secrets of CHANNEL_ID wherever they are (the channel itself is already gone)."""
    chain = keychain()
    if chain is not None:
        try:
            chain.delete_password(SERVICE, account(channel_id))
        except Exception as err:  # no entry, a locked keyring, a D-Bus failure: the delete is still done
            log.debug("channel %d: no keychain entry removed (%s)", channel_id, type(err).__name__)
    store = file_store(data_dir)
    try:
        if store is not None:
            store.delete(account(channel_id))
    except Exception as err:  # an unreadable file must not turn a done delete into a 500
        log.warning("channel %d: the secrets file entry could not be removed (%s)", channel_id, type(err).__name__)


def status(data_dir=None):
    """Which store new secrets go to, where, and what it protects against (never a secret)."""
    chain = keychain()
    if chain is not None:
        out = {"store": KEYCHAIN, "backend": "%s.%s" % (type(chain).__module__, type(chain).__name__),
               "file": None}
    else:
        out = {"store": FILE, "backend": None, "file": required_file_store(data_dir).describe()}
    out.update(PROTECTION[out["store"]])
    return out
