"""Channel secrets in an encrypted file, for machines without an OS keychain (headless Linux, minimal desktops).

The file `<data dir>/secrets.enc` (owner-only) holds one Fernet token (AES-128-CBC + HMAC-SHA256) of a JSON
object {account: {secret name: value}}. Its key lives in `<config dir>/secrets.key` (owner-only), in the user's
configuration directory and not in the data directory: a copied or backed-up data folder carries no readable
secret. What it does not protect against: anyone who can read both files as this user (malware running as the
user, root, a full-disk backup of the home folder).
"""
import json
import os
import tempfile
import threading

from core import errors
from core.errors import DomainError

FILE_NAME = "secrets.enc"
KEY_NAME = "secrets.key"
OWNER_ONLY = 0o600
OWNER_DIR = 0o700
_lock = threading.Lock()  # one writer at a time inside the process (one sidecar per data directory)


class SecretFile:
    """The encrypted secrets file of DATA_DIR, its key in CONFIG_DIR."""

    def __init__(self, data_dir, config_dir):
        self.path = os.path.join(data_dir, FILE_NAME)
        self.key_path = os.path.join(config_dir, KEY_NAME)

    def get(self, account):
        """The secrets of ACCOUNT ({} when none)."""
        with _lock:
            return dict(self.read_all().get(account) or {})

    def set(self, account, values):
        """Replace the secrets of ACCOUNT with VALUES."""
        with _lock:
            everything = self.read_all()
            everything[account] = dict(values)
            self.write_all(everything)

    def delete(self, account):
        """Forget ACCOUNT (nothing happens when it has no entry)."""
        with _lock:
            everything = self.read_all()
            if everything.pop(account, None) is not None:
                self.write_all(everything)

    def read_all(self):
        """Every account's secrets, decrypted ({} when the file does not exist yet)."""
        from cryptography.fernet import Fernet, InvalidToken

        try:
            with open(self.path, "rb") as f:
                token = f.read()
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise unreadable("the secrets file cannot be read (%s)" % type(err).__name__) from None
        key = self.read_key()
        if key is None:
            raise unreadable("its key file is missing from the configuration folder (was the data folder copied "
                             "from another computer or user?); enter the channel secrets again")
        try:
            return json.loads(Fernet(key).decrypt(token).decode("utf-8"))
        except (InvalidToken, ValueError):
            raise unreadable("the secrets file does not match its key") from None

    def write_all(self, everything):
        """Encrypt EVERYTHING and replace the file atomically (a crash leaves the old or the new file)."""
        from cryptography.fernet import Fernet

        token = Fernet(self.key()).encrypt(json.dumps(everything).encode("utf-8"))
        folder = os.path.dirname(self.path)
        fd, temp = tempfile.mkstemp(prefix=".secrets-", suffix=".tmp", dir=folder)  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(token)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp, OWNER_ONLY)
            os.replace(temp, self.path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise

    def read_key(self):
        """The key, or None when there is no key file yet."""
        try:
            with open(self.key_path, "rb") as f:
                return f.read().strip()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise unreadable("the key file cannot be read (%s)" % type(err).__name__) from None

    def key(self):
        """The key, created owner-only on first use (O_EXCL: two first uses cannot make two keys)."""
        from cryptography.fernet import Fernet

        existing = self.read_key()
        if existing is not None:
            return existing
        os.makedirs(os.path.dirname(self.key_path), mode=OWNER_DIR, exist_ok=True)
        key = Fernet.generate_key()
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
        except FileExistsError:
            return self.read_key()
        except OSError as err:
            raise DomainError("secrets_file_error", "The key of the secrets file cannot be created in the "
                              "configuration folder (%s)." % type(err).__name__, errors.UNAVAILABLE) from None
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        return key

    def describe(self):
        """Where the file and its key are, and whether they exist yet."""
        return {"file": self.path, "key_file": self.key_path, "file_exists": os.path.exists(self.path),
                "key_exists": os.path.exists(self.key_path)}


def unreadable(why):
    """The refusal when stored secrets cannot be read."""
    return DomainError("secrets_unreadable", "The saved channel secrets cannot be read: %s." % why,
                       errors.UNAVAILABLE)
