"""Start the real sidecar (python-backend/app.py) on a free loopback port, talk HTTP, kill or stop it."""
import os
import re
import signal
import subprocess
import sys
import threading
import time

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
APP = os.path.join(ROOT, "python-backend", "app.py")
SERVING = re.compile(r"serving on http://127\.0\.0\.1:(\d+)")


class Sidecar:
    """One sidecar process on DATA_DIR; `url(path)` builds request URLs."""

    def __init__(self, data_dir, env=None):
        self.data_dir, self.env = data_dir, env or {}
        self.proc, self.port = None, None
        self.log_path = os.path.join(data_dir, "sidecar-stdout.log")

    def start(self, timeout=60):
        """Launch and wait until /health answers."""
        os.makedirs(self.data_dir, exist_ok=True)
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self.proc = subprocess.Popen([sys.executable, APP, "--host", "127.0.0.1", "--port", "0", "--data-dir",
                                      self.data_dir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        self.port = self.wait_for_port(timeout)
        self.drainer = threading.Thread(target=self.drain, daemon=True)
        self.drainer.start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if requests.get(self.url("/health"), timeout=2).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("sidecar did not become healthy")

    def wait_for_port(self, timeout):
        """Read the 'serving on' line the sidecar prints."""
        deadline = time.time() + timeout
        with open(self.log_path, "ab") as log:
            while time.time() < deadline:
                line = self.proc.stdout.readline()
                if not line:
                    raise RuntimeError("sidecar exited early; see %s" % self.log_path)
                log.write(line)
                match = SERVING.search(line.decode("utf-8", "replace"))
                if match:
                    return int(match.group(1))
        raise RuntimeError("sidecar did not print its port")

    def drain(self):
        """Copy the rest of the output to the log file (keeps the pipe from filling)."""
        with open(self.log_path, "ab") as log:
            for line in self.proc.stdout:
                log.write(line)

    def url(self, path):
        """Absolute URL of PATH on this sidecar."""
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def get(self, path, **kw):
        """GET PATH."""
        return requests.get(self.url(path), timeout=kw.pop("timeout", 30), **kw)

    def post(self, path, json=None, **kw):
        """POST JSON to PATH."""
        return requests.post(self.url(path), json=json, timeout=kw.pop("timeout", 30), **kw)

    def patch(self, path, json=None, **kw):
        """PATCH JSON to PATH."""
        return requests.patch(self.url(path), json=json, timeout=kw.pop("timeout", 30), **kw)

    def delete(self, path, **kw):
        """DELETE PATH."""
        return requests.delete(self.url(path), timeout=kw.pop("timeout", 30), **kw)

    def kill(self):
        """SIGKILL: no cleanup, no flush, like a crash of the process."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.close_pipe()

    def close_pipe(self):
        """Let the output copier finish, then close the pipe."""
        if self.proc is not None and self.proc.stdout is not None:
            self.drainer.join(10)
            self.proc.stdout.close()

    def stop(self):
        """Terminate politely (tests' teardown)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.close_pipe()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_for(predicate, timeout=60, interval=0.1):
    """Poll PREDICATE until it returns a truthy value (returned) or TIMEOUT passes (AssertionError)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met within %s s" % timeout)
