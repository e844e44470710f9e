"""Team mode over HTTP: a sidecar forced into team mode on SQLite, accounts made with `app.py users add`, and a
logged-in client that sends its session's CSRF token the way the UI does."""

from support import sidecar as sidecar_support
from support.sidecar import PASSWORD, TEAM_KEY, Sidecar, TeamClient

# The team mode on the embedded SQLite file (PostgreSQL when the tests run on it: the harness adds --database).
TEAM_ENV = {"BULKMSG_TEAM_MODE": "1", "BULKMSG_SECRET_KEY": TEAM_KEY}


def team_sidecar(home, env=None):
    """A (not yet started) sidecar in team mode on its embedded SQLite file, with the run's key."""
    return Sidecar(home, env=dict(TEAM_ENV, **(env or {})), as_admin=False)


def add_user(server, name, role, password=PASSWORD):
    """Create a user of SERVER's database with the command line (`app.py users add`)."""
    return sidecar_support.add_user(server.data_dir, name, role, password)


def logged_in(server, name, password=PASSWORD):
    """A TeamClient logged in as NAME (asserting the login worked)."""
    client = TeamClient(server)
    r = client.login(name, password)
    assert r.status_code == 200, r.text
    return client


class TeamSidecar(Sidecar):
    """A team-mode sidecar (workers send) driven as a logged-in admin, for tests of other parts (workers, fault
    trials) that use the API as a logged-in user would."""

    def __init__(self, home, env=None, **kw):
        super().__init__(home, env=dict(TEAM_ENV, **(env or {})), as_admin=True, **kw)
