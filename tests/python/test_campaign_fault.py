"""SIGKILL the real sidecar at random points of real SMTP campaigns, restart, resume, and check that
no sent recipient gets a second message, none is silently skipped, no campaign finishes with recipients
pending, and the SQLite file passes integrity_check. scripts/fault_campaign.py runs more trials."""
import pytest
from fakes.fault_trials import FaultRig
from fakes.smtp import FakeSmtp

TRIALS = 20


@pytest.mark.slow
def test_kill_minus_nine_during_sends_never_duplicates_or_loses_recipients(tmp_path):
    with FakeSmtp(str(tmp_path), "plain") as smtp:
        rig = FaultRig(str(tmp_path / "data"), smtp, seed=20260321)
        try:
            results = [rig.run_trial(trial, double_kill_rate=0.0) for trial in range(TRIALS)]
        finally:
            rig.close()
    interrupted = sum(r["at_kill"].get("pending", 0) + r["at_kill"].get("sending", 0) > 0 for r in results)
    assert interrupted >= TRIALS // 2  # most kills really landed mid-campaign
    assert all(r["final"].get("sent", 0) + r["final"].get("unknown", 0) == r["size"] for r in results)
