"""Pacing rules as pure functions of a given clock: rate, random delay, batches, caps, quiet hours, schedule."""
import datetime
import random

import pytest
from messaging import pacing
from core.errors import DomainError

T0 = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.timezone.utc).timestamp()


def schedule(rules, count, start=T0, seed=1):
    """Send times of COUNT messages when each goes at the earliest allowed moment."""
    pacer, times, last = pacing.Pacer(rules, random.Random(seed)), [], None
    now = start
    for _ in range(count):
        when, _ = pacer.next_time(now, last, len(times), pacing.from_times(sorted(times)))
        now = last = max(now, when)
        times.append(now)
        pacer.sent()
    return times


def test_messages_per_minute_spaces_sends_evenly():
    times = schedule(pacing.from_dict({"per_minute": 30}), 5)
    assert [round(b - a, 6) for a, b in zip(times, times[1:])] == [2.0] * 4


def test_random_delay_stays_between_min_and_max_and_varies():
    times = schedule(pacing.from_dict({"per_minute": 600, "min_delay": 3, "max_delay": 8}), 40)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(3 <= g <= 8 for g in gaps) and len({round(g, 3) for g in gaps}) > 10


def test_random_delay_is_drawn_once_per_message():
    pacer = pacing.Pacer(pacing.from_dict({"per_minute": 600, "min_delay": 1, "max_delay": 100}), random.Random(3))
    first = pacer.next_time(T0, T0, 1, pacing.from_times([T0]))[0]
    assert all(pacer.next_time(T0 + s, T0, 1, pacing.from_times([T0]))[0] == first for s in (0.5, 0.9))


def test_batches_get_a_longer_pause():
    times = schedule(pacing.from_dict({"per_minute": 60, "batch_size": 3, "batch_pause": 100}), 7)
    gaps = [round(b - a, 6) for a, b in zip(times, times[1:])]
    assert gaps == [1, 1, 100, 1, 1, 100]


def test_hourly_and_daily_caps():
    hourly = schedule(pacing.from_dict({"per_minute": 60, "hourly_cap": 5}), 7)
    assert hourly[5] - hourly[0] == pytest.approx(3600)
    daily = schedule(pacing.from_dict({"per_minute": 60, "daily_cap": 3}), 4)
    assert daily[3] - daily[0] == pytest.approx(86400)


def test_quiet_hours_push_to_their_end_in_the_given_zone():
    rules = pacing.from_dict({"per_minute": 60, "quiet_start": "22:00", "quiet_end": "08:00",
                              "timezone": "Asia/Kolkata"})
    late = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    when, reason = pacing.Pacer(rules).next_time(late.timestamp(), None, 0, pacing.from_times([]))
    resumed = datetime.datetime.fromtimestamp(when, datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    assert (resumed.day, resumed.hour, resumed.minute, reason) == (3, 8, 0, "quiet_hours")
    midday = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    assert pacing.Pacer(rules).next_time(midday.timestamp(), None, 0, pacing.from_times([]))[0] == midday.timestamp()


def test_scheduled_start_and_hold_after_rate_limit():
    rules = pacing.from_dict({"per_minute": 60, "start_at": "2026-03-02T12:30:00Z"})
    pacer = pacing.Pacer(rules)
    assert pacer.next_time(T0, None, 0, pacing.from_times([])) == (T0 + 1800, "scheduled")
    pacer.hold_until(T0 + 2000)
    assert pacer.next_time(T0 + 1900, None, 0, pacing.from_times([])) == (T0 + 2000, "backing_off")


@pytest.mark.parametrize("bad", [
    {"per_minute": 0}, {"per_minute": "fast"}, {"min_delay": 5, "max_delay": 1}, {"quiet_start": "22:00"},
    {"quiet_start": "25:00", "quiet_end": "08:00"}, {"timezone": "Mars/Olympus"}, {"batch_size": 2.5},
    {"start_at": "tomorrow"}, {"speed": 1}, {"hourly_cap": True},
])
def test_bad_pacing_is_refused_with_a_stable_code(bad):
    with pytest.raises(DomainError) as err:
        pacing.from_dict(bad)
    assert err.value.code == "bad_pacing" and err.value.kind == "invalid"
