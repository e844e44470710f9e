"""Team mode over HTTP: a sidecar forced into team mode on SQLite, accounts made with `app.py users add`, and a
logged-in client that sends its session's CSRF token the way the UI does."""
import base64
import os
import subprocess
import sys

import requests

from support import sidecar as sidecar_support
from support.paths import APP
from support.sidecar import Sidecar

PASSWORD = "correct horse battery"
# The channel secrets' key of this test run, given to every team-mode API and worker process (they must share it).
TEAM_KEY = base64.b64encode(os.urandom(32)).decode()
# The team mode on the embedded SQLite file (PostgreSQL when the tests run on it: the harness adds --database).
TEAM_ENV = {"BULKMSG_TEAM_MODE": "1", "BULKMSG_SECRET_KEY": TEAM_KEY}
ADMIN = "admin"


def team_sidecar(home, env=None):
    """A (not yet started) sidecar in team mode on its embedded SQLite file, with the run's key."""
    return Sidecar(home, env=dict(TEAM_ENV, **(env or {})))


def database_option(data_dir):
    """--database for the command-line tools when the tests run on PostgreSQL (the sidecar's own database)."""
    return ["--database", sidecar_support.DATABASE(data_dir)] if sidecar_support.DATABASE is not None else []


def add_user(server, name, role, password=PASSWORD):
    """Create a user with the command line (`app.py users add`), password on standard input."""
    done = subprocess.run([sys.executable, APP, "users", "--data-dir", server.data_dir,
                           *database_option(server.data_dir), "add", name, "--role", role],
                          input=password + "\n", capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, BULKMSG_NEW_PASSWORD=""))
    assert done.returncode == 0, done.stderr
    return done.stdout


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
    """A team-mode sidecar whose get/post/patch/put/delete go through an admin's session (made on first start),
    for tests of other parts (workers, fault trials) that drive the API as a logged-in user would."""

    def __init__(self, home, env=None, **kw):
        super().__init__(home, env=dict(TEAM_ENV, **(env or {})), **kw)
        self.client = None

    def start(self, *args, **kw):
        """Start, then log in as the admin (adding the account the first time)."""
        super().start(*args, **kw)
        self.client = TeamClient(self)
        if self.client.login(ADMIN).status_code != 200:
            add_user(self, ADMIN, "admin")
            assert self.client.login(ADMIN).status_code == 200
        return self

    def get(self, path, **kw):
        """GET PATH as the admin."""
        return self.client.get(path, **kw)

    def post(self, path, json=None, **kw):
        """POST PATH as the admin."""
        return self.client.post(path, json, **kw)

    def patch(self, path, json=None, **kw):
        """PATCH PATH as the admin."""
        return self.client.patch(path, json, **kw)

    def put(self, path, json=None, **kw):
        """PUT PATH as the admin."""
        return self.client.request("PUT", path, json, **kw)

    def delete(self, path, **kw):
        """DELETE PATH as the admin."""
        return self.client.delete(path, **kw)
