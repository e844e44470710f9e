"""The team mode's key for channel secrets in the database: where it comes from, and AES-256-GCM with it.

The key is 32 random bytes, written as base64 (`app.py secret-key new`), given to every API and worker process as
a file (BULKMSG_SECRET_KEY_FILE, owner-only) or the variable BULKMSG_SECRET_KEY. A desktop keychain is not shared
across machines; the database is, so the secrets live there, encrypted under this key (messaging/secret_db.py).

Each ciphertext is stored with the id of its key (the first 16 hex digits of SHA-256 of the key: it names the key
without revealing it), so a wrong key is told apart from a damaged row, and with the channel id as associated data,
so a ciphertext copied onto another channel's row does not decrypt.
"""
import base64
import binascii
import hashlib
import os
import stat

KEY_BYTES = 32
NONCE_BYTES = 12  # the size AES-GCM is specified for; random per encryption (2^-32 collision bound far away)
KEY_ID_HEX = 16
AD_PREFIX = b"bulkmsg channel secret v1:"  # versioned, so a later format cannot be confused with this one


class KeyProblem(Exception):
    """The key is missing, unreadable or malformed (the message says which and what to do; never the key)."""


class Key:
    """One 256-bit key and its public id."""

    def __init__(self, raw):
        self.raw = raw
        self.id = hashlib.sha256(raw).hexdigest()[:KEY_ID_HEX]

    def __repr__(self):
        return "Key(id=%s)" % self.id  # never the bytes

    def encrypt(self, channel_id, plaintext):
        """(nonce, ciphertext) of PLAINTEXT bound to CHANNEL_ID."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(NONCE_BYTES)
        return nonce, AESGCM(self.raw).encrypt(nonce, plaintext, associated_data(channel_id))

    def decrypt(self, channel_id, nonce, ciphertext):
        """The plaintext; cryptography's InvalidTag when the key, the channel or the bytes do not match."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self.raw).decrypt(bytes(nonce), bytes(ciphertext), associated_data(channel_id))


def associated_data(channel_id):
    """What a ciphertext is bound to: its channel."""
    return AD_PREFIX + str(int(channel_id)).encode("ascii")


def new_key_text():
    """A fresh key, as the base64 text a key file or BULKMSG_SECRET_KEY holds."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse(text, origin):
    """The Key written as base64 TEXT; KeyProblem naming ORIGIN when it is not 32 bytes of base64."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyProblem("%s is not base64 text (make one with `app.py secret-key new`)" % origin) from None
    if len(raw) != KEY_BYTES:
        raise KeyProblem("%s holds %d bytes, not %d (make one with `app.py secret-key new`)"
                         % (origin, len(raw), KEY_BYTES))
    return Key(raw)


def read_file(path):
    """The Key in the file at PATH; refused when other users could read it (POSIX) or it cannot be read."""
    origin = "the key file %s" % path
    try:
        info = os.stat(path)
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
            raise KeyProblem("%s is readable by group or others (mode %o); run `chmod 600 %s`"
                             % (origin, stat.S_IMODE(info.st_mode), path))
        with open(path, encoding="ascii") as f:
            text = f.read()
    except FileNotFoundError:
        raise KeyProblem("%s does not exist" % origin) from None
    except (OSError, UnicodeDecodeError) as err:
        raise KeyProblem("%s cannot be read (%s)" % (origin, type(err).__name__)) from None
    return parse(text, origin)


def from_settings(settings):
    """The Key the process was given (the file wins over the variable); KeyProblem when there is none."""
    if settings.secret_key_file:
        return read_file(settings.secret_key_file)
    if settings.secret_key:
        return parse(settings.secret_key, "BULKMSG_SECRET_KEY")
    raise KeyProblem("the team mode keeps channel secrets in the database, encrypted with a key every API and "
                     "worker process must be given: set BULKMSG_SECRET_KEY_FILE to a file made with "
                     "`app.py secret-key new` (owner-only), or BULKMSG_SECRET_KEY (see docs/server.md)")
