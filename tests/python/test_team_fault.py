"""The issue's fault test of the team mode: 4 worker processes on one database, a 2,000-recipient campaign to the
local fake Cloud API, random workers SIGKILLed and restarted mid-run. Nobody gets two messages without a user
retry, nobody is skipped, the campaign completes (after the reconcile and retry of what stayed 'unknown'), and
the fake never sees the sender's rate exceeded in any 1-second window. BULKMSG_FAULT_TRIALS sets the trials
(2 here); scripts/fault_workers.py runs many."""
import pytest
from fakes.fault_trials import trials_from_env
from fakes.whatsapp import FakeWhatsApp
from fakes.worker_trials import WorkerFaultRig

PER_MINUTE = 3000  # 50/s: above what one worker of concurrency 3 reaches here, so the shared budget binds


@pytest.mark.slow
@pytest.mark.postgres_only  # the test is "on one Postgres"; scripts/fault_workers.py runs it on SQLite too
def test_killing_workers_mid_campaign_never_sends_twice_skips_nobody_and_keeps_the_rate(tmp_path):
    trials = trials_from_env(2)
    with FakeWhatsApp(latency=0.05) as fake:
        rig = WorkerFaultRig(tmp_path, fake, workers=4, concurrency=3, per_minute=PER_MINUTE, seed=20261204)
        try:
            results = [rig.run_worker_trial(trial, size=2000, kills=4) for trial in range(trials)]
        finally:
            rig.close()
    for r in results:
        print("trial %d: %d kills; first pass %s; reconciled %d, retried %d; busiest second %d (limit %.0f)" % (
            r["trial"], r["kills"], r["first"], r["reconciled"], r["still_unknown"], r["busiest_second"],
            r["limit_per_second"]))
    assert all(r["kills"] == 4 for r in results)
    assert sum(r["double_sends"] for r in results) == 0
    assert all(r["final"] == {"sent": r["size"]} for r in results)
    assert all(r["busiest_second"] <= r["limit_per_second"] for r in results)
