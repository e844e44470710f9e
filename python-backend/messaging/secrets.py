"""Channel secrets (passwords, tokens): the OS keychain when there is one, else an encrypted file.

Keychain: macOS Keychain, Windows Credential Locker, or the Secret Service (GNOME Keyring / KWallet) on Linux,
through `keyring`. Without one (headless Linux, no Secret Service running) secrets go to an encrypted file in
the data directory whose key is kept in the user's configuration directory (messaging/secret_file.py), so saving
a channel never fails just because there is no keychain. The database only records that a channel has a secret;
the API never returns one and nothing logs one.

Team mode (a shared database; sidecar/settings.py `team_mode`): neither of those is shared across machines, so
secrets go to the database instead, encrypted with the key every API and worker process is given
(messaging/secret_keys.py, messaging/secret_db.py). Which store a data directory uses is decided once, at start.
"""
import json
import logging
import os
import threading
import time

from . import secret_db, secret_file, secret_keys
from core import errors
from core.errors import DomainError

SERVICE = "BulkMessaging"
KEYCHAIN, FILE, DATABASE = "keychain", "file", "database"
log = logging.getLogger("messaging.secrets")
_config_dirs = {}  # data dir -> config dir, registered by the app at start (in-process tests run several apps)
_team_keys = {}  # data dir -> the team mode's secret_keys.Key (absent: the desktop stores)
_last = {"data_dir": None}
# keyring promises no thread safety, and the Secret Service answered 8 send threads opening at once with a failure
# on a loaded CI machine: one call at a time, and a read that fails is tried again before it counts.
KEYCHAIN_LOCK = threading.Lock()
KEYCHAIN_READ_TRIES = 3
KEYCHAIN_RETRY_PAUSE = 0.2  # seconds, times the try number

PROTECTION = {
    KEYCHAIN: {"protects_against": ["a copied or backed-up data folder (it holds no secret)",
                                    "other users of this computer",
                                    "reading the disk while you are logged out (the keychain is locked)"],
               "does_not_protect_against": ["programs running as you while the keychain is unlocked"]},
    FILE: {"protects_against": ["a copied or backed-up data folder (its key is kept in the configuration folder)",
                                "other users of this computer (both files are owner-only)"],
           "does_not_protect_against": ["programs running as you, or an administrator (they can read both files)",
                                        "a backup that holds both the data folder and the configuration folder"]},
    DATABASE: {"protects_against": ["a copy, dump or backup of the database (it holds only ciphertext)",
                                    "a ciphertext moved onto another channel (each is bound to its channel)"],
               "does_not_protect_against": ["anyone who has the key file or the environment of an API or worker "
                                            "process together with the database"]},
}


def configure(data_dir, config_dir, team_key=None):
    """Remember where the secrets file of DATA_DIR keeps its key; with TEAM_KEY, use the database store instead."""
    _config_dirs[os.path.abspath(data_dir)] = config_dir
    _last["data_dir"] = os.path.abspath(data_dir)
    if team_key is not None:
        _team_keys[os.path.abspath(data_dir)] = team_key
    else:
        _team_keys.pop(os.path.abspath(data_dir), None)


def configure_for(settings):
    """Configure from SETTINGS: in the team mode its key is required (secret_keys.KeyProblem without one)."""
    key = secret_keys.from_settings(settings) if settings.team_mode else None
    configure(settings.data_dir, settings.config_dir, key)
    return key


def team_key(data_dir=None):
    """The team mode's key for DATA_DIR (the last configured one when None), or None on the desktop."""
    data_dir = os.path.abspath(data_dir) if data_dir else _last["data_dir"]
    return _team_keys.get(data_dir) if data_dir else None


def database_conn(conn):
    """CONN, which the database store cannot do without (a programming error otherwise, not a user's)."""
    if conn is None:
        raise DomainError("secrets_store_error", "The team mode's secrets need the database connection.",
                          errors.UNAVAILABLE)
    return conn


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


def store(channel_id, values, data_dir=None, conn=None):
    """Save VALUES (a dict of strings) for CHANNEL_ID: the keychain, or the file when it is absent or refuses;
    in the team mode the database behind CONN (in the caller's transaction)."""
    key = team_key(data_dir)
    if key is not None:
        secret_db.put(database_conn(conn), key, channel_id, values)
        return DATABASE
    chain = keychain()
    if chain is not None:
        try:
            with KEYCHAIN_LOCK:
                chain.set_password(SERVICE, account(channel_id), json.dumps(values))
        except Exception as err:  # a locked keyring or a D-Bus failure: fall back rather than lose the channel
            close_abandoned_connections(err)
            log.warning("channel %d: the keychain refused the secret (%s); using the encrypted file",
                        channel_id, type(err).__name__)
        else:
            stale = file_store(data_dir)
            if stale is not None:
                stale.delete(account(channel_id))  # no old copy left behind in the file
            return KEYCHAIN
    required_file_store(data_dir).set(account(channel_id), values)
    return FILE


def load(channel_id, data_dir=None, conn=None):
    """The secrets of CHANNEL_ID ({} when none are stored): the keychain's entry first, then the file's
    (the team mode: the database's row)."""
    key = team_key(data_dir)
    if key is not None:
        return secret_db.get(database_conn(conn), key, channel_id)
    if conn is not None and secret_db.has_row(conn, channel_id):
        # A process that was not given the team's key (not configured for the team mode) must not send with no
        # secret at all: refuse as clearly as a wrong key.
        raise secret_db.unreadable(channel_id, "they are kept in the database and this process was not given "
                                   "the team's secret key (BULKMSG_SECRET_KEY_FILE)")
    chain = keychain()
    failure = None
    if chain is not None:
        try:
            raw = read_keychain(chain, channel_id)
        except Exception as err:  # unreadable keychain: the file may still hold the secret
            log.warning("channel %d: the keychain could not be read (%s)", channel_id, type(err).__name__)
            failure, raw = type(err).__name__, None
        if raw:
            return json.loads(raw)
    store = file_store(data_dir)
    found = store.get(account(channel_id)) if store is not None else {}
    if not found and failure is not None:
        # Never hand back "no secrets" because the keychain failed: a channel built without its token is refused
        # by the provider (a misleading 401), and an edit would save the other fields over the lost ones.
        raise secret_db.unreadable(channel_id, "the keychain could not be read (%s)" % failure)
    return found


def read_keychain(chain, channel_id):
    """The keychain's entry of CHANNEL_ID (None when it has none); the last error once every try failed."""
    for attempt in range(1, KEYCHAIN_READ_TRIES + 1):
        try:
            with KEYCHAIN_LOCK:
                return chain.get_password(SERVICE, account(channel_id))
        except Exception as err:  # any backend error; see load()
            close_abandoned_connections(err)
            if attempt == KEYCHAIN_READ_TRIES:
                raise
        time.sleep(KEYCHAIN_RETRY_PAUSE * attempt)


def close_abandoned_connections(err):
    """Close the D-Bus connections a failed keychain call opened and dropped (keyring's Secret Service backend
    opens one per call and leaves it open when finding the collection fails): an unclosed socket per failure."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        trace = err.__traceback__
        while trace is not None:
            for value in list(trace.tb_frame.f_locals.values()):
                if is_dbus_connection(value):
                    value.close()
            trace = trace.tb_next
        err = err.__cause__ or err.__context__


def is_dbus_connection(value):
    """True for a jeepney D-Bus connection (the only kind the Secret Service backend opens)."""
    kind = type(value)
    return kind.__name__ == "DBusConnection" and kind.__module__.startswith("jeepney.") and hasattr(value, "close")


def forget(channel_id, data_dir=None, conn=None):
    """Delete the secrets of CHANNEL_ID wherever they are (the channel itself is already gone)."""
    if team_key(data_dir) is not None:
        secret_db.delete(database_conn(conn), channel_id)  # normally gone already with its channel (CASCADE)
        return
    chain = keychain()
    if chain is not None:
        try:
            with KEYCHAIN_LOCK:
                chain.delete_password(SERVICE, account(channel_id))
        except Exception as err:  # no entry, a locked keyring, a D-Bus failure: the delete is still done
            close_abandoned_connections(err)
            log.debug("channel %d: no keychain entry removed (%s)", channel_id, type(err).__name__)
    store = file_store(data_dir)
    try:
        if store is not None:
            store.delete(account(channel_id))
    except Exception as err:  # an unreadable file must not turn a done delete into a 500
        log.warning("channel %d: the secrets file entry could not be removed (%s)", channel_id, type(err).__name__)


def status(data_dir=None):
    """Which store new secrets go to, where, and what it protects against (never a secret)."""
    key = team_key(data_dir)
    chain = keychain() if key is None else None
    if key is not None:
        out = {"store": DATABASE, "backend": "AES-256-GCM, key %s" % key.id, "file": None}
    elif chain is not None:
        out = {"store": KEYCHAIN, "backend": "%s.%s" % (type(chain).__module__, type(chain).__name__),
               "file": None}
    else:
        out = {"store": FILE, "backend": None, "file": required_file_store(data_dir).describe()}
    out.update(PROTECTION[out["store"]])
    return out
