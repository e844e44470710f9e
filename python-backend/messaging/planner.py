"""The campaign planner: when a campaign will finish, and where its plan breaks a known provider limit.

Pure functions: the clock (NOW) is an argument and nothing here reads the database or the time, so tests use a
fake clock. The schedule follows the runner's rules (messaging/pacing.py): the rate (per_minute), the mean of
the random delay, batch pauses, hourly and daily caps, quiet hours and the start time, and the throughput the
sends in flight allow (concurrency / a typical provider round trip).
"""
import collections
from dataclasses import dataclass

from . import pacing
from .runner import DEFAULT_CONCURRENCY
from .util import iso

HOUR, DAY = pacing.HOUR, pacing.DAY
# Beyond this many messages the schedule is extrapolated at the simulated average rate ("estimated": true).
EXACT_MESSAGES = 50_000
# A typical provider round trip per send (seconds): with N sends in flight, at most N per round trip go out.
ROUND_TRIP = {"smtp": 0.5, "whatsapp": 0.3, "twilio": 0.3, "dry_run": 0.002}

# Known provider limits (documented by the providers; see docs/api.md "Planner").
WHATSAPP_MPS = 80                                  # Cloud API default throughput per business phone number
WHATSAPP_TIERS = (250, 1_000, 10_000, 100_000)     # unique recipients per rolling 24 h, by messaging tier
TWILIO_LONG_CODE_MPS = 1                           # one sender number (US long code); toll-free 3, short code 100
TWILIO_QUEUE_SECONDS = 10 * HOUR                   # Twilio fails messages queued longer than this


@dataclass
class Sender:
    """What the planner knows of the channel: its type and whether Twilio sends through a Messaging Service."""

    channel_type: str
    messaging_service: bool = False
    linked_at: float = None  # WhatsApp Web: when the number was linked (the warm-up cap grows from that day)


def plan(rules, count, sender, now, concurrency=None):
    """{start_at, finish_at, duration_seconds, ...warnings} for COUNT messages under RULES from NOW."""
    concurrency = concurrency or rules.concurrency or DEFAULT_CONCURRENCY.get(sender.channel_type, 1)
    gap = message_gap(rules, sender.channel_type, concurrency)
    start = max(now, rules.start_at or now)
    warmup_from = (sender.linked_at or now) if rules.warmup else None
    schedule = simulate(rules, min(count, EXACT_MESSAGES), gap, start, warmup_from)
    finish = schedule.last if count else start
    if count > EXACT_MESSAGES:
        finish = schedule.last + (count - EXACT_MESSAGES) / long_run_rate(rules, schedule, start)
    duration = max(finish - start, 0.0)
    scale = count / EXACT_MESSAGES if count > EXACT_MESSAGES else 1.0  # waits of the extrapolated part alike
    return {"messages": count, "start_at": iso(start), "finish_at": iso(finish), "duration_seconds": round(duration, 1),
            "per_minute": rules.per_minute, "effective_per_minute": round(60.0 / gap, 2),
            "concurrency": concurrency, "estimated": count > EXACT_MESSAGES,
            "waits": {"quiet_hours_seconds": round(schedule.quiet * scale, 1),
                      "caps_seconds": round(schedule.capped * scale, 1),
                      "batch_pauses_seconds": round(schedule.batched * scale, 1)},
            "first_day_messages": first_day(schedule, count, start, duration),
            "warnings": warnings(rules, count, sender, gap, schedule, start, duration)}


def long_run_rate(rules, schedule, start):
    """Messages per second beyond the simulated part: its average, at most what the caps allow over their
    windows, and (when it lasted under a day) less the share of each day that quiet hours take."""
    span = max(schedule.last - start, 1e-6)
    rate = (EXACT_MESSAGES - 1) / span
    if rules.quiet_start is not None and span < DAY:
        quiet = (pacing.parse_clock(rules.quiet_end, "quiet_end") - pacing.parse_clock(rules.quiet_start,
                                                                                       "quiet_start")) % 1440
        rate *= (1440 - quiet) / 1440.0
    for cap, window in ((rules.hourly_cap, HOUR), (rules.daily_cap, DAY)):
        if cap:
            rate = min(rate, cap / window)
    return rate


def message_gap(rules, channel_type, concurrency):
    """Seconds between messages on average: the rate, the mean random delay, and what the sends in flight allow."""
    interval = 60.0 / rules.per_minute
    mean_delay = (rules.min_delay + rules.max_delay) / 2.0
    throughput_gap = ROUND_TRIP.get(channel_type, 0.3) / concurrency
    return max(interval, mean_delay, throughput_gap)


@dataclass
class Schedule:
    """The simulated send times' summary: the last one, time spent waiting by reason, sends in the first day."""

    last: float
    quiet: float = 0.0
    capped: float = 0.0
    batched: float = 0.0
    first_day: int = 0


def mean_batch(rules):
    """(messages per burst, seconds of break) on average: random bursts and breaks count at their means."""
    size = rules.batch_size if rules.batch_size_max is None else (rules.batch_size + rules.batch_size_max) / 2.0
    pause = rules.batch_pause if rules.batch_pause_max is None else (rules.batch_pause + rules.batch_pause_max) / 2.0
    return size, pause


def simulate(rules, count, gap, start, warmup_from=None):
    """Walk COUNT sends one by one (caps with bounded queues of recent send times; O(1) per message). WARMUP_FROM:
    the link time of a WhatsApp Web number whose warm-up cap (20 a day, doubling) applies."""
    hourly = collections.deque(maxlen=rules.hourly_cap) if rules.hourly_cap else None
    daily = collections.deque(maxlen=rules.daily_cap) if rules.daily_cap else None
    warm = collections.deque() if warmup_from is not None else None
    schedule, ts = Schedule(last=start), start
    size, pause = mean_batch(rules)
    next_break = size if rules.batch_size else None
    for n in range(count):
        if n:
            step = gap
            if next_break is not None and n >= next_break:
                next_break += size
                if pause > gap:
                    schedule.batched += pause - gap
                    step = pause
            ts += step
        ts = constrained(rules, ts, hourly, daily, schedule)
        if warm is not None:
            ts = warmed_up(rules, ts, warm, warmup_from, schedule)
        for window in (hourly, daily, warm):
            if window is not None:
                window.append(ts)
        schedule.first_day += ts < start + DAY
        schedule.last = ts
    return schedule


def warmed_up(rules, ts, sent, linked_at, schedule):
    """TS moved past the warm-up cap: at most warmup_cap(day) sends in any 24 h (SENT: the last day's send times)."""
    while True:
        while sent and sent[0] + DAY <= ts:
            sent.popleft()
        cap = pacing.warmup_cap(rules, linked_at, ts)
        if len(sent) < cap:
            return constrained(rules, ts, None, None, schedule)
        later = sent[len(sent) - cap] + DAY
        schedule.capped += later - ts
        ts = later


def constrained(rules, ts, hourly, daily, schedule):
    """TS moved past full caps and quiet hours (they can push each other; a few rounds settle it)."""
    for _ in range(20):
        moved = ts
        for window, span in ((hourly, HOUR), (daily, DAY)):
            if window is not None and len(window) == window.maxlen and window[0] + span > moved:
                schedule.capped += window[0] + span - moved
                moved = window[0] + span
        quiet = pacing.quiet_until(rules, moved)
        if quiet is not None:
            schedule.quiet += quiet - moved
            moved = quiet
        if moved == ts:
            return ts
        ts = moved
    return ts


def first_day(schedule, count, start, duration):
    """Messages sent in the first 24 h (unique recipients: the ledger holds one row per address)."""
    if count <= EXACT_MESSAGES or duration <= 0:
        return schedule.first_day if count <= EXACT_MESSAGES else count
    return min(count, max(schedule.first_day, int(count * DAY / duration)))


def warnings(rules, count, sender, gap, schedule, start, duration):
    """Where the plan breaks a known provider limit, or is likely to surprise."""
    found = []
    rate = 1.0 / gap
    peak = first_day(schedule, count, start, duration)
    if sender.channel_type == "whatsapp":
        if rules.per_minute / 60.0 > WHATSAPP_MPS:
            found.append(warning("whatsapp_throughput", "The pacing asks for %.0f messages/s; the Cloud API sends "
                                 "80/s per phone number by default, so the rest wait or are refused."
                                 % (rules.per_minute / 60.0)))
        crossed = [tier for tier in WHATSAPP_TIERS if peak > tier]
        if crossed:
            found.append(warning("whatsapp_messaging_tier", "About %d unique recipients in the first 24 h: above "
                                 "the %s-a-day messaging tier%s; a number below that tier has template messages "
                                 "refused beyond its limit (tiers 250, 1k, 10k, 100k)."
                                 % (peak, "{:,}".format(crossed[-1]), " (and lower ones)" if len(crossed) > 1 else "")))
    if sender.channel_type == "twilio" and not sender.messaging_service:
        if rate > TWILIO_LONG_CODE_MPS:
            found.append(warning("twilio_sender_rate", "The plan sends %.1f messages/s from one number; Twilio "
                                 "sends 1/s from a long code (3/s toll-free, 100/s short code) and queues the rest."
                                 % rate))
        backlog = count / TWILIO_LONG_CODE_MPS - duration
        if backlog > TWILIO_QUEUE_SECONDS:
            found.append(warning("twilio_queue_limit", "Twilio would hold about %.1f h of these messages in its "
                                 "queue; messages queued longer than 10 h fail. Slow the pacing down or use a "
                                 "Messaging Service with more numbers." % (backlog / HOUR)))
    if rules.warmup and count > pacing.WARMUP_FIRST_DAY:
        found.append(warning("whatsapp_warmup", "This number is warming up: at most %d messages on its first day, "
                             "doubling each day up to %d, so %d messages take until %s."
                             % (pacing.WARMUP_FIRST_DAY, rules.warmup_max, count, iso(start + duration))))
    if rules.daily_cap and count > rules.daily_cap:
        found.append(warning("spans_days", "The daily cap of %d spreads %d messages over about %d days."
                             % (rules.daily_cap, count, -(-count // rules.daily_cap))))
    return found


def warning(code, message):
    """One planner warning."""
    return {"code": code, "message": message}
