"""'Check on WhatsApp' for many numbers (an import, a saved list, pasted numbers), paced like a campaign:
batches of 10 within the budget (60 a minute, 1,000 a day), answers cached 30 days, so the user sees the reach
before composing and a campaign later finds its answers in the cache."""
import threading
import time

from ..channels.base import SendError
from . import numbers

BATCH = 10
BATCH_GAP = 2.0     # seconds between batches, on top of the budget
CONNECT_WAIT = 30.0
MAX_NUMBERS = 100_000


class CheckJob:
    """One background check of NUMBERS through LINK; its progress is `describe()`."""

    def __init__(self, link, numbers_to_check):
        self.link, self.numbers = link, list(dict.fromkeys(numbers_to_check))
        self.state, self.reason, self.next_at = "running", None, None
        self.checked = self.on_whatsapp = self.not_on_whatsapp = self.cached = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True, name="wa-check-%d" % link.channel_id)

    def describe(self):
        """{state, total, checked, on_whatsapp, not_on_whatsapp, cached, next_at, reason}."""
        return {"state": self.state, "total": len(self.numbers), "checked": self.checked,
                "on_whatsapp": self.on_whatsapp, "not_on_whatsapp": self.not_on_whatsapp, "cached": self.cached,
                "next_at": self.next_at, "reason": self.reason}

    def count(self, exists):
        """Add one answer."""
        self.checked += 1
        if exists:
            self.on_whatsapp += 1
        else:
            self.not_on_whatsapp += 1

    def run(self):
        """Check every number not cached, batch by batch within the budget."""
        conn = self.link.sessions.connect()
        try:
            waiting = []
            for number in self.numbers:
                found = numbers.cached(conn, self.link.channel_id, number)
                if found is None:
                    waiting.append(number)
                else:
                    self.cached += 1
                    self.count(found[0])
            for start in range(0, len(waiting), BATCH):
                if self.stop.is_set() or not self.check_batch(conn, waiting[start:start + BATCH]):
                    return
            self.state, self.next_at = "done", None
        finally:
            conn.close()

    def check_batch(self, conn, batch):
        """Wait for the budget, ask the engine, cache the answers; False when the job had to stop."""
        wait = numbers.budget_wait(conn, self.link.channel_id, len(batch))
        if wait > 0:
            self.next_at = time.time() + wait
            self.reason = "Waiting for the number-check budget (60 a minute, 1,000 a day)."
            if self.stop.wait(wait):
                return False
        try:
            engine = self.link.connected_engine(CONNECT_WAIT)
            status, answer = engine.call("POST", "/check", {"numbers": batch}, timeout=60.0)
        except SendError as err:
            self.state, self.reason = "paused", err.message
            return False
        if status != 200:
            self.state, self.reason = "paused", (answer.get("error") or {}).get("message", "The engine refused.")
            return False
        numbers.record(conn, self.link.channel_id, answer["results"])
        for result in answer["results"]:
            self.count(result["exists"])
        self.reason = None
        self.next_at = time.time() + BATCH_GAP
        return not self.stop.wait(BATCH_GAP)
