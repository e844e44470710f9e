"""Team mode over HTTP: a sidecar forced into team mode on SQLite, accounts made with `app.py users add`, and a
logged-in client that sends its session's CSRF token the way the UI does."""

import requests

from support import sidecar as sidecar_support
from support.sidecar import PASSWORD, TEAM_KEY, Sidecar

# The team mode on the embedded SQLite file (PostgreSQL when the tests run on it: the harness adds --database).
TEAM_ENV = {"BULKMSG_TEAM_MODE": "1", "BULKMSG_SECRET_KEY": TEAM_KEY}


def team_sidecar(home, env=None):
    """A (not yet started) sidecar in team mode on its embedded SQLite file, with the run's key."""
    return Sidecar(home, env=dict(TEAM_ENV, **(env or {})), as_admin=False)


def add_user(server, name, role, password=PASSWORD):
    """Create a user of SERVER's database with the command line (`app.py users add`)."""
    return sidecar_support.add_user(server.data_dir, name, role, password)


class TeamClient:
    """A browser-like client: a cookie jar and the CSRF token header on state-changing requests."""

    def __init__(self, server):
        self.server, self.http, self.csrf = server, requests.Session(), None

    def login(self, name, password=PASSWORD):
        """POST /session/login; on success remember the CSRF token. Returns the response."""
        r = self.http.post(self.server.url + "/session/login", json={"name": name, "password": password}, timeout=60)
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
        return r

    def request(self, method, path, json=None, csrf=True, **kw):
        """METHOD PATH with the session cookie (and the CSRF header unless CSRF is False)."""
        headers = dict(kw.pop("headers", {}))
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.http.request(method, self.server.url + path, json=json, headers=headers,
                                 timeout=kw.pop("timeout", 60), **kw)

    def get(self, path, **kw):
        """GET PATH."""
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        """POST PATH."""
        return self.request("POST", path, json, **kw)

    def patch(self, path, json=None, **kw):
        """PATCH PATH."""
        return self.request("PATCH", path, json, **kw)

    def delete(self, path, **kw):
        """DELETE PATH."""
        return self.request("DELETE", path, **kw)


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
