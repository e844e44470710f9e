"""Team mode over HTTP: a sidecar forced into team mode on SQLite, accounts made with `app.py users add`, and a
logged-in client that sends its session's CSRF token the way the UI does."""

from messaging import db
from support import sidecar as sidecar_support
from support.sidecar import PASSWORD, TEAM_KEY, Sidecar, TeamClient, database_of

# The team mode on the embedded SQLite file (PostgreSQL when the tests run on it: the harness adds --database).
TEAM_ENV = {"BULKMSG_TEAM_MODE": "1", "BULKMSG_SECRET_KEY": TEAM_KEY}


def team_sidecar(home, env=None, data_dir=None):
    """A (not yet started) sidecar in team mode on its embedded SQLite file, with the run's key."""
    return Sidecar(home, env=dict(TEAM_ENV, **(env or {})), as_admin=False, data_dir=data_dir)


def add_user(server, name, role, password=PASSWORD):
    """Create a user of SERVER's database with the command line (`app.py users add`)."""
    return sidecar_support.add_user(server.data_dir, name, role, password)


def logged_in(server, name, password=PASSWORD):
    """A TeamClient logged in as NAME (asserting the login worked)."""
    client = TeamClient(server)
    r = client.login(name, password)
    assert r.status_code == 200, r.text
    return client


def store_of(server):
    """A connection to the team sidecar's database (its SQLite file, or PostgreSQL when the tests run there)."""
    return db.connect(database_of(server.data_dir))


def query(server, sql, params=()):
    """Every row SQL gives on SERVER's database."""
    conn = store_of(server)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def audit_actions(admin):
    """(user, action, object_type, object_id) of every audit entry, oldest first."""
    entries = admin.get("/audit?limit=500").json()["entries"]
    return [(e["user"], e["action"], e["object_type"], e["object_id"]) for e in reversed(entries)]


class TeamSidecar(Sidecar):
    """A team-mode sidecar (workers send) driven as a logged-in admin, for tests of other parts (workers, fault
    trials) that use the API as a logged-in user would."""

    def __init__(self, home, env=None, **kw):
        super().__init__(home, env=dict(TEAM_ENV, **(env or {})), as_admin=True, **kw)
