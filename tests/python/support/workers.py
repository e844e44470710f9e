"""Real `app.py worker` processes (the team mode's campaign workers) for tests, benchmarks and fault trials.

Each runs in its own process group with its output in a log file; `kill()` is a SIGKILL, `stop()` a SIGTERM
(sends in flight land and are recorded). `busiest_second` measures a provider's rate from its arrival times.
"""
import bisect
import os
import re
import signal
import subprocess
import sys

from support.paths import APP
from support import sidecar as sidecar_support
from support.sidecar import wait_for
from support.team import TEAM_ENV



class WorkerProc:
    """One worker process on DATA_DIR (same environment rules as the sidecar harness); on PostgreSQL, the database of
    DATABASE_OF's sidecar (default: DATA_DIR's)."""

    def __init__(self, home, data_dir, concurrency=None, env=None, name="worker", database_of=None):
        self.data_dir, self.concurrency = str(data_dir), concurrency
        self.database_of = str(database_of or data_dir)  # the data dir whose database it shares (another machine)
        self.log_path = os.path.join(str(home), "%s.log" % name)
        self.env = dict(os.environ, BULKMSG_DEFAULT_REGION="US", PYTHONUNBUFFERED="1", **TEAM_ENV, **(env or {}))
        self.proc, self.log = None, None

    def command(self):
        """The worker's command line."""
        extra = ["--concurrency", str(self.concurrency)] if self.concurrency else []
        if sidecar_support.DATABASE is not None:  # the PostgreSQL engine: the database the sidecar of DATA_DIR uses
            extra += ["--database", sidecar_support.DATABASE(self.database_of)]
        return [sys.executable, APP, "worker", "--data-dir", self.data_dir, *extra]

    def start(self, wait=True):
        """Spawn the worker; with WAIT, return once it has registered (it prints 'ready')."""
        self.close_log()
        self.log = open(self.log_path, "ab")
        start = self.log.tell()
        self.proc = subprocess.Popen(self.command(), env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if wait:
            wait_for(lambda: b" ready" in self.read_log(start) or self.proc.poll() is not None, timeout=60)
            assert self.proc.poll() is None, self.read_log(start).decode(errors="replace")
        return self

    def read_log(self, since=0):
        """What the worker printed (bytes) from offset SINCE."""
        with open(self.log_path, "rb") as f:
            f.seek(since)
            return f.read()

    def worker_id(self):
        """The id the worker registered under most recently (it prints 'worker <id> ready')."""
        found = re.findall(rb"worker (\S+) ready", self.read_log())
        return found[-1].decode() if found else None

    def alive(self):
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL the worker's process group (no chance to record anything)."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.close_log()

    def pause(self):
        """SIGSTOP the worker (a machine that hangs, a network cut: it cannot renew its lease)."""
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        """SIGCONT a paused worker."""
        os.killpg(self.proc.pid, signal.SIGCONT)

    def stop(self, timeout=30):
        """SIGTERM and wait; SIGKILL if it will not go."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.close_log()

    def close_log(self):
        """Close this side's handle on the log file (the process keeps its own)."""
        if self.log is not None:
            self.log.close()
            self.log = None


def busiest_second(arrivals):
    """The most messages arriving within any 1-second window (every window that starts at an arrival)."""
    times = sorted(arrivals)
    return max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)


def make_list(api, contacts):
    """A saved list of CONTACTS ({number, name}) through the sidecar API; its id."""
    return api.post("/lists", {"name": "l", "contacts": contacts}).json()["list"]["id"]
