"""A fake clock for the campaign runner: sleeping advances time instantly, and every nap is recorded."""
import threading


class FakeClock:
    """Time starts at START and moves only when the runner sleeps."""

    def __init__(self, start=1_800_000_000.0):
        self.now, self.naps, self.lock = start, [], threading.Lock()

    def time(self):
        """The current fake time."""
        with self.lock:
            return self.now

    def sleep(self, seconds, stop):
        """Advance by SECONDS unless the run was stopped."""
        if stop.is_set():
            return
        with self.lock:
            self.now += max(0.0, seconds)
            self.naps.append(seconds)
