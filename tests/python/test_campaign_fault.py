"""SIGKILL the real sidecar at random points of real SMTP campaigns sending with several messages in flight,
restart, resume, and check that no recipient gets a second message (0 automatic double sends), none is
silently skipped, no campaign finishes with recipients pending, and the SQLite file passes integrity_check.
BULKMSG_FAULT_TRIALS sets the number of trials (20 by default); scripts/fault_campaign.py runs many more."""
import pytest
from fakes.fault_trials import FaultRig, trials_from_env
from fakes.smtp import FakeSmtp


@pytest.mark.slow
def test_kill_minus_nine_during_concurrent_sends_never_duplicates_or_loses_recipients(tmp_path):
    trials = trials_from_env()
    with FakeSmtp(str(tmp_path), "plain") as smtp:
        rig = FaultRig(str(tmp_path / "data"), smtp, seed=20260321, concurrency=(2, 4, 8))
        try:
            results = [rig.run_trial(trial, double_kill_rate=0.0) for trial in range(trials)]
        finally:
            rig.close()
    interrupted = sum(r["at_kill"].get("pending", 0) + r["at_kill"].get("sending", 0) > 0 for r in results)
    assert interrupted >= trials // 2  # most kills really landed mid-campaign
    assert sum(r["double_sends"] for r in results) == 0
    assert all(r["final"].get("sent", 0) + r["final"].get("unknown", 0) == r["size"] for r in results)
