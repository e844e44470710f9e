"""WhatsApp Web's ban-safety pacing: random gaps, bursts of random size then breaks of random length, and the
warm-up cap of a newly linked number (20 on the link day, doubling daily up to 200)."""
import random

import pytest
from core.errors import DomainError
from messaging import pacing
from messaging.channels.whatsapp_web import WhatsAppWebChannel

DAY = 86400.0


def rules(**overrides):
    """WhatsApp Web's default pacing with OVERRIDES."""
    return pacing.from_dict(dict(WhatsAppWebChannel.DEFAULT_PACING, **overrides))


def test_gaps_bursts_and_breaks_stay_in_their_ranges_and_vary():
    pacer = pacing.Pacer(rules(), random.Random(7))
    gaps, bursts, run = [], [], 0
    for count in range(1, 400):
        gap = pacer.message_gap(count)
        pacer.sent()
        run += 1
        if gap >= 300:
            assert gap <= 900
            bursts.append(run)
            run = 0
        else:
            assert 20 <= gap <= 60
            gaps.append(gap)
    assert all(10 <= b <= 20 for b in bursts[1:]) and len(set(bursts)) > 3
    assert max(gaps) - min(gaps) > 20


def test_warmup_cap_doubles_daily_up_to_its_maximum():
    linked = 1_000_000.0
    assert [pacing.warmup_cap(rules(), linked, linked + d * DAY + 5) for d in range(6)] == [20, 40, 80, 160, 200, 200]
    assert pacing.warmup_cap(rules(warmup_max=50), linked, linked + 3 * DAY) == 50


def test_the_warmup_cap_holds_sends_across_every_campaign_of_the_channel():
    linked, now = 1_000_000.0, 1_000_000.0 + 3600
    attempts = [linked + 60 * i for i in range(20)]  # 20 sent today, over any campaigns of the channel
    pacer = pacing.Pacer(rules(min_delay=0, max_delay=0, batch_size=None, batch_size_max=None), random.Random(1))
    pacer.warmup = (linked, pacing.from_times(attempts))
    when, reason = pacer.next_time(now, None, 0, pacing.from_times([]))
    assert reason == "warmup_cap" and when == pytest.approx(attempts[0] + DAY)


@pytest.mark.parametrize("bad", [{"batch_size_max": 5}, {"batch_pause_max": 10}, {"warmup": "yes"},
                                 {"batch_size": None, "batch_size_max": 3}])
def test_inconsistent_ranges_are_refused(bad):
    with pytest.raises(DomainError) as err:
        rules(**bad)
    assert err.value.code == "bad_pacing"


def test_the_planner_shows_the_warmup_and_the_random_bursts():
    from messaging import planner
    now = 1_800_000_000.0
    sender = planner.Sender("whatsapp_web", linked_at=now)
    small = planner.plan(rules(), 10, sender, now)
    assert small["warnings"] == [] and small["duration_seconds"] == pytest.approx(9 * 40, rel=0.01)  # mean 40 s gaps
    week = planner.plan(rules(), 1000, sender, now)
    assert [w["code"] for w in week["warnings"]] == ["whatsapp_warmup"]
    assert week["first_day_messages"] == 20
    # 20 + 40 + 80 + 160 + 200 + 200 + 200 = 900 in the first 7 days: the 1,000th goes on day 8.
    assert 7 * DAY < week["duration_seconds"] < 8 * DAY
    older = planner.plan(rules(), 1000, planner.Sender("whatsapp_web", linked_at=now - 30 * DAY), now)
    assert older["duration_seconds"] < week["duration_seconds"]
