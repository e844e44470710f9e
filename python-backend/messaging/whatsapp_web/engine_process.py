"""One WhatsApp Web engine process (python-backend/wa-engine/engine.mjs): start, health-check, call, stop.

The sidecar supervises it the way the Electron main process supervises the sidecar: it starts the process,
reads the port from its first stdout line, polls /health until it answers, and talks to it only over
127.0.0.1 with a secret made for this process. It holds the engine's stdin open: when the sidecar dies (even
by kill -9), the engine sees end-of-file and exits, so no engine outlives its sidecar.
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

from ..channels import http
from ..channels.base import SendError

START_TIMEOUT = 30.0
STOP_TIMEOUT = 3.0


class EngineUnavailable(Exception):
    """The engine cannot run here (no Node executable, no engine folder): the reason in plain words."""


def default_engine_dir():
    """The engine shipped inside a frozen build, else the source folder beside this package."""
    if getattr(sys, "frozen", False):
        return os.path.join(os.path.dirname(sys.executable), "wa-engine")
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "wa-engine"))


def default_node(engine_dir):
    """The Node executable shipped beside the engine (frozen builds), else `node` on PATH."""
    for name in ("node.exe", "node") if os.name == "nt" else ("node",):
        shipped = os.path.join(engine_dir, name)
        if os.path.isfile(shipped):
            return shipped
    return shutil.which("node")


def resolve(node, engine_dir):
    """(node, engine_dir) to run, or EngineUnavailable saying what is missing."""
    engine_dir = engine_dir or default_engine_dir()
    if not os.path.isfile(os.path.join(engine_dir, "engine.mjs")):
        raise EngineUnavailable("The WhatsApp Web engine is not installed (%s has no engine.mjs)." % engine_dir)
    if not os.path.isdir(os.path.join(engine_dir, "node_modules")):
        raise EngineUnavailable("The WhatsApp Web engine's packages are missing: run `npm ci` in %s." % engine_dir)
    found = node or default_node(engine_dir)
    found = shutil.which(found) if found and not os.path.isabs(found) else found
    if not found or not os.path.isfile(found):
        raise EngineUnavailable("Node.js is needed for WhatsApp Web and was not found (install Node.js 20 or "
                                "newer, or set BULKMSG_WA_NODE).")
    return found, engine_dir


class EngineProcess:
    """A running engine for one session folder."""

    def __init__(self, node, engine_dir, session_dir, fake_server=None, log_path=None, base_env=None):
        self.node, self.engine_dir = resolve(node, engine_dir)
        self.base_env = dict(base_env or {})
        self.session_dir, self.fake_server, self.log_path = session_dir, fake_server, log_path
        self.secret = secrets.token_urlsafe(32)
        self.proc, self.port = None, None

    def start(self, timeout=START_TIMEOUT):
        """Start the process and wait until /health answers; EngineUnavailable when it does not."""
        env = dict(self.base_env, WA_SESSION_DIR=self.session_dir, WA_SECRET=self.secret)
        env.pop("WA_FAKE_SERVER", None)
        if self.fake_server:
            env["WA_FAKE_SERVER"] = self.fake_server
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen([self.node, "engine.mjs"], cwd=self.engine_dir, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=log, start_new_session=os.name != "nt")
        except OSError as err:
            raise EngineUnavailable("The WhatsApp Web engine could not be started: %s" % err) from None
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self.port = self.read_port(timeout)
        self.wait_healthy(timeout)
        return self

    def read_port(self, timeout):
        """The port from the engine's first stdout line (read in a thread, so a silent engine cannot hang us)."""
        found = {}

        def read():
            try:
                found["line"] = self.proc.stdout.readline()
            except (OSError, ValueError):
                pass
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        try:
            return int(json.loads(found.get("line") or b"{}")["port"])
        except (KeyError, TypeError, ValueError):
            self.kill()
            raise EngineUnavailable("The WhatsApp Web engine did not start (exit code %s)." % self.exit_code()) \
                from None

    def wait_healthy(self, timeout):
        """Poll /health until it answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "/health", timeout=2.0)[0] == 200:
                    return
            except SendError:
                pass
            if not self.alive():
                break
            time.sleep(0.05)
        self.kill()
        raise EngineUnavailable("The WhatsApp Web engine did not become healthy (exit code %s)." % self.exit_code())

    def call(self, method, path, body=None, timeout=30.0):
        """(status, JSON answer) of one API call; SendError TRANSIENT when the request never left, UNKNOWN when
        the connection broke after it was written."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Authorization": "Bearer " + self.secret, "Content-Type": "application/json"}
        status, _headers, answer = http.request(method, "http://127.0.0.1:%d%s" % (self.port, path), data, headers,
                                                timeout)
        return status, answer if isinstance(answer, dict) else {}

    def alive(self):
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self):
        """The exit code (negative: killed by that signal), or None while it runs."""
        return None if self.proc is None else self.proc.poll()

    def stop(self, timeout=STOP_TIMEOUT):
        """Ask it to exit, then terminate and kill it (its whole process group)."""
        if not self.alive():
            return
        try:
            self.call("POST", "/shutdown", {}, timeout=1.0)
        except SendError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        """Kill the process group now."""
        if self.proc is None:
            return
        try:
            if os.name == "nt":
                subprocess.run(["taskkill", "/T", "/F", "/PID", str(self.proc.pid)], capture_output=True, check=False)
            else:
                os.killpg(self.proc.pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
