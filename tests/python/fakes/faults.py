"""Fault injection shared by the fake HTTP providers: planned faults first, then random ones."""
import collections
import random
import threading

FAULTS = ("rate_limit", "server_error", "unavailable", "timeout")


class FaultPlan:
    """Decides, per request, whether to answer normally or with a fault."""

    def __init__(self, seed=0):
        self.planned = collections.deque()
        self.rates = {}
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.injected = collections.Counter()

    def queue(self, fault, times=1):
        """The next TIMES requests get FAULT."""
        assert fault in FAULTS
        with self.lock:
            self.planned.extend([fault] * times)

    def random(self, **rates):
        """From now on each request gets fault F with probability RATES[F]."""
        assert set(rates) <= set(FAULTS)
        with self.lock:
            self.rates = dict(rates)

    def next(self):
        """The fault for this request, or None."""
        with self.lock:
            fault = self.planned.popleft() if self.planned else self.draw()
            if fault:
                self.injected[fault] += 1
            return fault

    def draw(self):
        """A random fault per the configured rates, or None."""
        roll = self.rng.random()
        for fault, rate in self.rates.items():
            if roll < rate:
                return fault
            roll -= rate
        return None
