"""Password hashes for team mode: scrypt (memory-hard, in the standard library), salted per user, with the
parameters stored in the hash so they can be raised later without locking anyone out."""
import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
# 2**15 x r=8 needs 32 MiB per hash (OWASP's scrypt floor is N=2**17 with r=8 p=1 ~ 128 MiB; 32 MiB keeps a
# 2-core server answering while logins are rate-limited per IP and per name, and is stored with each hash).
COST_N = 2 ** 15
BLOCK_R = 8
PARALLEL_P = 1
# hashlib refuses more than 32 MiB by default; 128 * N * r bytes plus headroom.
MAX_MEMORY = 64 * 1024 * 1024
SALT_BYTES = 16
KEY_BYTES = 32


def b64(data):
    """DATA as unpadded base64."""
    return base64.b64encode(data).decode("ascii").rstrip("=")


def unb64(text):
    """Bytes of unpadded base64 TEXT."""
    return base64.b64decode(text + "=" * (-len(text) % 4))


def derive(password, salt, n, r, p):
    """The scrypt key of PASSWORD with SALT and the cost parameters."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=KEY_BYTES)


def hash_password(password):
    """'scrypt$N$r$p$salt$key' for PASSWORD with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = derive(password, salt, COST_N, BLOCK_R, PARALLEL_P)
    return "$".join([SCHEME, str(COST_N), str(BLOCK_R), str(PARALLEL_P), b64(salt), b64(key)])


def verify(password, stored):
    """Whether PASSWORD matches the STORED hash (constant-time compare; a malformed hash never matches)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        expected = unb64(key)
        found = derive(password, unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


# Checked against when the name is unknown, so an unknown name costs the same time as a wrong password.
DUMMY_HASH = None


def dummy_hash():
    """A valid hash of a random password (made once per process)."""
    global DUMMY_HASH
    if DUMMY_HASH is None:
        DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return DUMMY_HASH
