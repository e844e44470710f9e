"""Schema creation and upgrades, numbered by PRAGMA user_version.

Each step runs in one IMMEDIATE transaction together with its user_version bump, so a crash mid-upgrade
leaves the previous version intact and two processes never run the same step twice.
"""
from core import errors
from core.errors import DomainError

# Version 1: saved lists, do-not-contact, templates (the first release's file).
V1 = """
CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE list_contacts (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    number TEXT,
    name TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{}',
    source_row INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX list_contacts_by_list ON list_contacts(list_id, id);
CREATE UNIQUE INDEX list_contacts_unique_number ON list_contacts(list_id, number) WHERE number IS NOT NULL;
CREATE TABLE do_not_contact (
    id INTEGER PRIMARY KEY,
    value TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
)
"""

# Version 2: email recipients, channels, campaigns and the per-recipient ledger.
V2 = """
ALTER TABLE list_contacts ADD COLUMN email TEXT;
CREATE UNIQUE INDEX list_contacts_unique_email ON list_contacts(list_id, email) WHERE email IS NOT NULL;
CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    has_secret INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    list_id INTEGER REFERENCES lists(id) ON DELETE SET NULL,
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE RESTRICT,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    pacing TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'running', 'paused', 'cancelled', 'completed')),
    pause_reason TEXT,
    run_id TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    updated_at REAL NOT NULL
);
CREATE TABLE campaign_recipients (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id INTEGER,
    address TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    provider_id TEXT,
    error_code TEXT,
    error TEXT,
    attempted_at REAL,
    finished_at REAL,
    UNIQUE (campaign_id, address)
);
CREATE INDEX campaign_recipients_by_status ON campaign_recipients(campaign_id, status, id);
CREATE INDEX campaign_recipients_by_attempt ON campaign_recipients(campaign_id, attempted_at)
"""

STEPS = ((1, V1), (2, V2))
LATEST = STEPS[-1][0]


def statements(script):
    """The ';'-separated statements of a migration script."""
    return [s.strip() for s in script.split(";") if s.strip()]


def current_version(conn):
    """The schema version recorded in the file (0 for a new file)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def apply_step(conn, version, script):
    """Run one step and bump user_version, atomically; skip it if another process already did."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if current_version(conn) < version:
            for statement in statements(script):
                conn.execute(statement)
            conn.execute("PRAGMA user_version=%d" % version)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn):
    """Bring the schema to LATEST; refuse a file written by a newer app."""
    found = current_version(conn)
    if found > LATEST:
        raise DomainError("db_too_new", "The data file was written by a newer version of the app "
                             "(schema %d, this app knows %d)." % (found, LATEST), errors.CONFLICT)
    for version, script in STEPS:
        if version > found:
            apply_step(conn, version, script)
    return current_version(conn)
