"""The one test harness for the real sidecar process (python-backend/app.py) on loopback.

Every Python test that needs a running sidecar uses `Sidecar`: the conftest fixtures, the API and security
tests, the kill -9 fault trials and the frozen (PyInstaller) binary's tests. Each instance has a home folder
holding its data directory (unless one is given), a private temp directory (so leftover temp files can be
counted) and a log of everything the process printed. The process runs in its own process group, and stopping
or killing it reaches the whole group.
"""
import base64
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from support.paths import APP

START_TIMEOUT_S = 60  # generous: the machine running the tests may be busy with other work
STOP_TIMEOUT_S = 10
PORT_ATTEMPTS = 3  # a port found free can be taken by someone else before the sidecar binds it
PORT_TAKEN = ("Address already in use", "Errno 98")


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=60, interval=0.1):
    """Poll PREDICATE until it returns a truthy value (returned) or TIMEOUT passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %s s" % timeout)


# Set by conftest when the tests run on PostgreSQL (BULKMSG_TEST_ENGINE=postgresql): data_dir -> database URL,
# passed as --database so every sidecar of a test shares the database the test itself inspects.
DATABASE = None
# The channel secrets' key of this test run, given to every team-mode API and worker process (they must share it).
TEAM_KEY = base64.b64encode(os.urandom(32)).decode()
# A database URL is the team mode: a sidecar of a PostgreSQL run is a one-process team server (it sends itself,
# no workers) that the harness drives as a logged-in admin, so the storage, runner and API tests run unchanged.
ONE_PROCESS_TEAM_ENV = {"BULKMSG_SECRET_KEY": TEAM_KEY, "BULKMSG_API_SENDS": "1"}
ADMIN, PASSWORD = "admin", "correct horse battery"
CSRF_HEADER = "X-CSRF-Token"


def database_of(data_dir):
    """The database a sidecar of DATA_DIR uses: its PostgreSQL database on those runs, else its SQLite file."""
    return DATABASE(data_dir) if DATABASE is not None else os.path.join(data_dir, "bulkmsg.sqlite3")


class Sidecar:
    """A real sidecar process on 127.0.0.1 with its own data and temp directories under HOME.

    PROGRAM is what runs before the options (default: this Python and python-backend/app.py; a frozen binary
    alone, or a launcher script); CWD the working directory (default: the test's).
    """

    def __init__(self, home, env=None, args=(), data_dir=None, program=(sys.executable, APP), cwd=None,
                 as_admin=None):
        home = str(home)
        # On PostgreSQL runs a sidecar not asked for the team mode itself is the one-process team server; AS_ADMIN
        # (by default then) sends its requests through an admin's session, made at the first start.
        one_process = DATABASE is not None and "BULKMSG_TEAM_MODE" not in (env or {})
        if one_process:
            env = dict(ONE_PROCESS_TEAM_ENV, **(env or {}))
        self.as_admin = one_process if as_admin is None else as_admin
        self.data_dir = str(data_dir or os.path.join(home, "data"))
        self.temp_dir = os.path.join(home, "tmp")
        os.makedirs(self.temp_dir, exist_ok=True)
        self.log_path = os.path.join(home, "sidecar.log")
        self.env = dict(os.environ, TMPDIR=self.temp_dir, TEMP=self.temp_dir, TMP=self.temp_dir,
                        BULKMSG_DEFAULT_REGION="US", PYTHONUNBUFFERED="1", **(env or {}))
        self.args, self.program, self.cwd = list(args), [str(part) for part in program], cwd
        if DATABASE is not None and "--database" not in self.args:
            self.args += ["--database", DATABASE(self.data_dir)]
        self.proc, self.log, self.client = None, None, None
        self.use_port(free_port())

    def use_port(self, port):
        """Listen on PORT from the next start on."""
        self.port = port
        self.url = "http://127.0.0.1:%d" % port

    def command(self):
        """The command line that starts the sidecar."""
        return [*self.program, "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir,
                *self.args]

    def start(self, timeout=START_TIMEOUT_S):
        """Start the process and wait until /health answers; returns self."""
        for _ in range(PORT_ATTEMPTS):
            log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            self.launch()
            if self.wait_healthy(timeout, log_start):
                if self.as_admin:
                    try:
                        self.log_in_as_admin()
                    except BaseException:
                        self.stop()
                        raise
                return self
            self.use_port(free_port())
        raise AssertionError("sidecar could not bind a port: " + self.read_log())

    def launch(self):
        """Spawn the process with its output going to the log file."""
        self.close_log()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=self.cwd, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, timeout, log_start):
        """True once /health answers 200; False if the port was taken; AssertionError on any other failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.close_log()
                printed = self.read_log(since=log_start)
                if any(sign in printed for sign in PORT_TAKEN):
                    return False
                raise AssertionError("sidecar exited early (code %s): %s" % (self.proc.returncode, printed))
            if self.answers_health():
                return True
            time.sleep(0.1)
        self.stop()
        raise AssertionError("sidecar did not become healthy within %s s: %s" % (timeout, self.read_log()))

    def answers_health(self):
        """True when GET /health answers 200 right now."""
        try:
            return requests.get(self.url + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def assert_alive(self):
        """AssertionError (with the log) unless the process is still running."""
        assert self.proc is not None and self.proc.poll() is None, \
            "sidecar is not running (code %s): %s" % (self.proc and self.proc.returncode, self.read_log())

    def stop(self):
        """SIGTERM the process group, wait, and kill it if it will not go."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.kill()
        self.close_log()

    def kill(self):
        """SIGKILL the process group: no cleanup, no flush, like a crash (fault trials)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        self.close_log()

    def close_log(self):
        """Close our handle on the log file (the process has its own)."""
        if self.log is not None and not self.log.closed:
            self.log.close()

    def read_log(self, since=0):
        """What the sidecar printed so far (all starts of this harness, or from byte SINCE on)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def leftover_temp_files(self):
        """Files or folders the sidecar left in its temp directory."""
        found = []
        for root, dirs, files in os.walk(self.temp_dir):
            found += [os.path.join(root, n) for n in dirs + files]
        return found

    def log_in_as_admin(self):
        """Log in as the team mode's admin (added with `app.py users add` when the database has none)."""
        self.client = TeamClient(self)
        if self.client.login(ADMIN).status_code != 200:
            add_user(self.data_dir, ADMIN, "admin")
            answer = self.client.login(ADMIN)
            assert answer.status_code == 200, answer.text

    def call(self, method, path, default_timeout, **kw):
        """METHOD PATH: plainly, or through the admin's session with its CSRF token (see as_admin)."""
        kw.setdefault("timeout", default_timeout)
        if self.client is None:
            return requests.request(method, self.url + path, **kw)
        return self.client.request(method, path, **kw)

    def get(self, path, **kw):
        """GET PATH."""
        return self.call("GET", path, 60, **kw)

    def post(self, path, json=None, **kw):
        """POST to PATH (JSON body if given)."""
        return self.call("POST", path, 120, json=json, **kw)

    def patch(self, path, json=None, **kw):
        """PATCH PATH (JSON body if given)."""
        return self.call("PATCH", path, 60, json=json, **kw)

    def put(self, path, json=None, **kw):
        """PUT PATH (JSON body if given)."""
        return self.call("PUT", path, 60, json=json, **kw)

    def delete(self, path, **kw):
        """DELETE PATH."""
        return self.call("DELETE", path, 60, **kw)

    def upload(self, path, filename=None, timeout=120, **form):
        """POST /upload of the file at PATH with FORM fields."""
        with open(path, "rb") as f:
            return self.post("/upload", files={"file": (filename or os.path.basename(path), f)}, data=form,
                             timeout=timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def add_user(data_dir, name, role, password=PASSWORD):
    """Create a team-mode user with the command line (`app.py users add`), the password on standard input."""
    database = ["--database", DATABASE(data_dir)] if DATABASE is not None else []
    done = subprocess.run([sys.executable, APP, "users", "--data-dir", data_dir, *database, "add", name, "--role", role],
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
            headers[CSRF_HEADER] = self.csrf
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
