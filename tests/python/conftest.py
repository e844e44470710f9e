"""Shared fixtures: the real sidecar on a free port, an in-process client, fixture paths."""
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BACKEND = os.path.join(REPO, "python-backend")
FIXTURES = os.path.join(REPO, "tests", "fixtures")
GEN_CONTACTS = os.path.abspath(os.path.join(REPO, "..", "shared", "bench", "gen_contacts.py"))
START_TIMEOUT_S = 30


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sidecar:
    """A real sidecar process on loopback, with its own data and temp directories."""

    def __init__(self, tmp_path, env=None, args=()):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.data_dir = str(tmp_path / "data")
        self.temp_dir = str(tmp_path / "tmp")
        os.makedirs(self.temp_dir, exist_ok=True)
        self.env = dict(os.environ, TMPDIR=self.temp_dir, TEMP=self.temp_dir, TMP=self.temp_dir,
                        BULKMSG_DEFAULT_REGION="US", PYTHONUNBUFFERED="1", **(env or {}))
        self.args = list(args)
        self.log_path = str(tmp_path / "sidecar.log")
        self.proc = None

    def start(self):
        """Start the process and wait until /health answers."""
        cmd = [sys.executable, os.path.join(BACKEND, "app.py"), "--host", "127.0.0.1", "--port", str(self.port),
               "--data-dir", self.data_dir, *self.args]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise AssertionError("sidecar exited early: " + self.read_log())
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("sidecar did not become healthy: " + self.read_log())

    def stop(self):
        """Terminate, wait, and kill if it will not go."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc and not self.log.closed:
            self.log.close()

    def read_log(self):
        """What the sidecar printed so far."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def leftover_temp_files(self):
        """Files or folders the sidecar left in its temp directory."""
        found = []
        for root, dirs, files in os.walk(self.temp_dir):
            found += [os.path.join(root, n) for n in dirs + files]
        return found

    def get(self, path, **kw):
        """GET PATH."""
        return requests.get(self.url + path, timeout=kw.pop("timeout", 60), **kw)

    def post(self, path, **kw):
        """POST PATH."""
        return requests.post(self.url + path, timeout=kw.pop("timeout", 120), **kw)

    def patch(self, path, **kw):
        """PATCH PATH."""
        return requests.patch(self.url + path, timeout=kw.pop("timeout", 60), **kw)

    def upload(self, path, filename=None, **form):
        """POST /upload of the file at PATH with FORM fields."""
        with open(path, "rb") as f:
            return self.post("/upload", files={"file": (filename or os.path.basename(path), f)}, data=form)


@pytest.fixture(scope="session")
def sidecar(tmp_path_factory):
    """One real sidecar for the whole session."""
    server = Sidecar(tmp_path_factory.mktemp("sidecar")).start()
    yield server
    server.stop()


@pytest.fixture
def fresh_sidecar(tmp_path):
    """A real sidecar of this test's own (for tests that need a clean data directory)."""
    server = Sidecar(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path):
    """The Flask app in-process, with a temporary data directory."""
    from sidecar import create_app

    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DEFAULT_REGION": "US"})


@pytest.fixture
def client(app):
    """A test client of the in-process app."""
    return app.test_client()


def fixture_path(name):
    """The path of a file in tests/fixtures."""
    return os.path.join(FIXTURES, name)
