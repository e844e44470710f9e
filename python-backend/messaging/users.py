"""People of team mode: accounts with a role, and their login sessions (only a hash of each token is stored)."""
import hashlib
import secrets

from core import errors
from core.errors import DomainError

from . import audit, db, passwords
from .util import now

ROLES = ("viewer", "sender", "admin")  # each role may do everything the ones before it may
MAX_NAME = 64
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # scrypt reads the whole password: a megabyte one would only burn CPU
SESSION_TOKEN_BYTES = 32
USER_COLUMNS = "id, name, role, created_at, disabled_at"
# A session's last use is written at most this often: a write (and fsync) per request would cost every read.
TOUCH_EVERY_SECONDS = 60


def rank(role):
    """How much ROLE may do (viewer 0 < sender 1 < admin 2)."""
    return ROLES.index(role)


def check_role(role):
    """ROLE if it is one of ROLES, else bad_role."""
    if role not in ROLES:
        raise DomainError("bad_role", "The role must be one of %s." % ", ".join(ROLES))
    return role


def check_name(name):
    """The trimmed user NAME, or bad_name."""
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > MAX_NAME or any(ch.isspace() and ch != " " for ch in name):
        raise DomainError("bad_name", "A user name is 1 to %d characters on one line." % MAX_NAME)
    return name


def check_password(password):
    """PASSWORD if it is long enough, else weak_password."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise DomainError("weak_password", "A password is %d to %d characters." % (MIN_PASSWORD, MAX_PASSWORD))
    return password


def as_dict(row):
    """A user row as the API shows it (never the hash)."""
    return {"id": row[0], "name": row[1], "role": row[2], "created_at": row[3], "disabled": row[4] is not None}


def all_users(conn):
    """Every user, by name."""
    return [as_dict(r) for r in conn.execute("SELECT %s FROM users ORDER BY name" % USER_COLUMNS)]


def get(conn, user_id):
    """One user, or not_found."""
    row = conn.execute("SELECT %s FROM users WHERE id=?" % USER_COLUMNS, (user_id,)).fetchone()
    if row is None:
        raise errors.not_found("User", user_id)
    return as_dict(row)


def add(conn, name, role, password, actor=None):
    """Create a user (audited in the same transaction); user_exists when the name is taken."""
    name, role = check_name(name), check_role(role)
    hashed = passwords.hash_password(check_password(password))  # slow: before the write lock
    with db.transaction(conn):
        if conn.execute("SELECT 1 FROM users WHERE name=?", (name,)).fetchone():
            raise DomainError("user_exists", "There is already a user named %r." % name, errors.CONFLICT)
        user_id = db.insert_id(conn, "INSERT INTO users (name, role, password_hash, created_at) VALUES (?,?,?,?)",
                               (name, role, hashed, now()))
        audit.record(conn, actor, "user.added", "user", user_id, {"name": name, "role": role})
    return get(conn, user_id)


def change(conn, user_id, body, actor=None):
    """Change a user's role, password or disabled state; disabling ends their sessions."""
    current = get(conn, user_id)
    hashed = passwords.hash_password(check_password(body["password"])) if "password" in body else None
    role = check_role(body["role"]) if "role" in body else current["role"]
    disabled = body.get("disabled", current["disabled"])
    if not isinstance(disabled, bool):
        raise DomainError("bad_param", "disabled is true or false.")
    with db.transaction(conn):
        if current["role"] == "admin" and not current["disabled"] and (role != "admin" or disabled):
            keep_an_admin(conn, user_id)
        conn.execute("UPDATE users SET role=?, disabled_at=CASE WHEN ? THEN COALESCE(disabled_at, ?) END "
                     "WHERE id=?", (role, disabled, now(), user_id))
        if hashed is not None:
            conn.execute("UPDATE users SET password_hash=? WHERE id=?", (hashed, user_id))
        if disabled or hashed is not None:
            conn.execute("DELETE FROM sessions WHERE user_id=?", (user_id,))
        detail = {k: body[k] for k in ("role", "disabled") if k in body}
        audit.record(conn, actor, "user.changed", "user", user_id,
                     dict(detail, name=current["name"], password_changed=hashed is not None))
    return get(conn, user_id)


def keep_an_admin(conn, user_id):
    """Refuse (last_admin) to demote or disable the only active admin: nobody could manage users any more."""
    others = conn.execute("SELECT COUNT(*) FROM users WHERE role='admin' AND disabled_at IS NULL AND id<>?",
                          (user_id,)).fetchone()[0]
    if not others:
        raise DomainError("last_admin", "This is the only active admin; make another user admin first.",
                          errors.CONFLICT)


def find_by_name(conn, name):
    """(id, name, role, password_hash, disabled_at) of the user called NAME, or None."""
    return conn.execute("SELECT id, name, role, password_hash, disabled_at FROM users WHERE name=?",
                        (name,)).fetchone()


def authenticate(conn, name, password):
    """The user dict for NAME and PASSWORD, or None; unknown names take as long as wrong passwords."""
    row = find_by_name(conn, name) if isinstance(name, str) else None
    candidate = password if isinstance(password, str) and len(password) <= MAX_PASSWORD else ""
    matches = passwords.verify(candidate, row[3] if row else passwords.dummy_hash())
    if row is None or not matches or row[4] is not None:
        return None
    return {"id": row[0], "name": row[1], "role": row[2]}


def token_hash(token):
    """What the sessions table keeps of a session token: its SHA-256 (the token itself is random, 256 bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(conn, user, max_seconds):
    """A new session for USER: (token for the cookie, CSRF token); audited as a login. Sessions past their
    absolute expiry (MAX_SECONDS) that nobody came back to are swept here."""
    token, csrf = secrets.token_urlsafe(SESSION_TOKEN_BYTES), secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    stamp = now()
    with db.transaction(conn):
        conn.execute("DELETE FROM sessions WHERE created_at < ?", (stamp - max_seconds,))
        conn.execute("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) "
                     "VALUES (?,?,?,?,?)", (token_hash(token), user["id"], csrf, stamp, stamp))
        audit.record(conn, user, "login", "user", user["id"], {})
    return token, csrf


def session_user(conn, token, idle_seconds, max_seconds):
    """The user and CSRF token of a live session TOKEN (its last use refreshed), or None; expired ones go."""
    digest, stamp = token_hash(token), now()
    row = conn.execute("SELECT s.user_id, u.name, u.role, s.csrf_token, s.created_at, s.last_seen_at, u.disabled_at "
                       "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash=?", (digest,)).fetchone()
    if row is None:
        return None
    if row[6] is not None or stamp - row[5] > idle_seconds or stamp - row[4] > max_seconds:
        conn.execute("DELETE FROM sessions WHERE token_hash=?", (digest,))
        return None
    if stamp - row[5] > TOUCH_EVERY_SECONDS:
        conn.execute("UPDATE sessions SET last_seen_at=? WHERE token_hash=?", (stamp, digest))
    return {"id": row[0], "name": row[1], "role": row[2], "csrf_token": row[3]}


def close_session(conn, token, user):
    """End the session TOKEN (logout), audited."""
    with db.transaction(conn):
        conn.execute("DELETE FROM sessions WHERE token_hash=?", (token_hash(token),))
        audit.record(conn, user, "logout", "user", user["id"], {})
