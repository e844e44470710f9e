"""kill -9 trials of WhatsApp Web campaigns, through the one fault harness: the sidecar (which takes its engine
with it) and, separately, the engine process alone are SIGKILLed mid-campaign against the fake WhatsApp behind
the real Node engine. After restarts, resumes and the user's retry of 'unknown' recipients, no phone shows a
message twice, none is silently skipped, and acks received after the restart reconcile rows the crash left
unknown. CI runs 20 kill -9 trials: 15 of the sidecar and 5 of the engine alone (BULKMSG_FAULT_TRIALS sets the
sidecar's count, the engine gets a third of it; scripts/fault_campaign.py --channel whatsapp_web runs many more)."""
import pytest
from fakes.fault_trials import FaultRig, WhatsAppWebTarget, trials_from_env
from fakes.wa_web import FakeWhatsApp

SIDECAR_TRIALS = 15  # plus a third as many engine kills: 20 in all, each a few seconds of restarts


def unknown_after_retry(results):
    """Recipients still 'unknown' after the retry, over all trials."""
    return sum(r["final"].get("unknown", 0) for r in results)


@pytest.mark.slow
def test_sidecar_killed_mid_campaign_never_shows_a_message_twice(tmp_path):
    trials = trials_from_env(SIDECAR_TRIALS)
    with FakeWhatsApp() as fake:
        fake.ack_mode, fake.ack_delay = "out_of_order", 0.05
        rig = FaultRig(str(tmp_path / "data"), WhatsAppWebTarget(fake), seed=20261202, concurrency=(1,))
        try:
            results = []
            for trial in range(trials):
                summary = rig.run_trial(trial, size_range=(15, 30), double_kill_rate=0.2)
                summary.update(rig.finish_with_retry(summary["campaign_id"], summary["addresses"]))
                results.append(summary)
        finally:
            rig.close()
    interrupted = sum(r["at_kill"].get("pending", 0) + r["at_kill"].get("sending", 0) > 0 for r in results)
    assert interrupted >= trials // 2, "most kills must land mid-campaign"
    assert sum(r["double_sends"] for r in results) == 0
    assert unknown_after_retry(results) == 0
    assert all(r["final"].get("sent", 0) == r["size"] for r in results)


@pytest.mark.slow
def test_engine_killed_mid_campaign_pauses_with_a_reason_and_never_shows_a_message_twice(tmp_path):
    trials = max(2, trials_from_env(SIDECAR_TRIALS) // 3)
    with FakeWhatsApp() as fake:
        fake.ack_mode, fake.ack_delay = "in_order", 0.02
        rig = FaultRig(str(tmp_path / "data"), WhatsAppWebTarget(fake), seed=1202, concurrency=(1,))
        try:
            results = [rig.run_engine_trial(trial) for trial in range(trials)]
        finally:
            rig.close()
    paused = [r for r in results if r["paused_reason"]]
    assert paused, "an engine crash mid-campaign pauses the campaign"
    assert all("whatsapp" in r["paused_reason"].lower() for r in paused), [r["paused_reason"] for r in paused]
    assert sum(r["double_sends"] for r in results) == 0
    assert unknown_after_retry(results) == 0
    assert all(r["final"].get("sent", 0) == r["size"] for r in results)
