"""The API side of the team mode: start, pause, cancel and retry only change the campaign in the database.

The worker processes notice within a moment (they look for running campaigns and re-read the status as they
claim). The API never sends, never interrupts rows by itself (a live worker may be sending them), and its
timer reaps expired workers instead of checking for runs of its own.
"""
import logging

from .. import states
from ..runner import CampaignManager
from . import registry

log = logging.getLogger("messaging.team")


class TeamCampaignManager(CampaignManager):
    """CampaignManager whose runs happen in `app.py worker` processes."""

    def claim_campaign(self, conn, campaign_id, run_id, ts):
        """Mark the campaign running (the workers pick it up; the caller owns the transaction); True when it moved."""
        return states.start_campaign(conn, campaign_id, run_id, ts, None, "workers")

    def spawn(self, campaign_id, run_id):
        """Nothing runs here; the timer still reaps dead workers."""
        self.ensure_monitor()

    def resume_interrupted(self):
        """At start-up: only reap the workers that died; running campaigns go on in the workers."""
        self.ensure_monitor()
        self.check_invariants()
        return []

    def check_invariants(self):
        """Turn the in-flight rows of workers whose lease expired 'unknown' (the team mode's orphan repair)."""
        conn = self.connect()
        try:
            count = registry.reap(conn, self.clock.time())
        finally:
            conn.close()
        if count:
            log.warning("reaped %d in-flight row(s) of expired workers -> unknown", count)
        return {"orphan_campaigns": [], "stuck_rows": count}

    def next_check_in(self):
        """Look for expired workers about as often as their leases are renewed."""
        return min(super().next_check_in(), registry.RENEW_EVERY)


