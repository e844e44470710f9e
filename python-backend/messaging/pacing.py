"""Pacing rules and the pure calculation of when the next message may go.

The clock is passed in (never read here), so tests check schedules without waiting in real time.
Caps count attempts recorded in the ledger, so they hold across pauses and restarts.
"""
import datetime
import random
import zoneinfo
from dataclasses import asdict, dataclass

from core.errors import DomainError

HOUR, DAY = 3600.0, 86400.0


@dataclass
class Pacing:
    """What the user chose; None means 'no limit'."""

    per_minute: float = 20.0
    min_delay: float = 0.0
    max_delay: float = 0.0
    batch_size: int = None
    batch_pause: float = 0.0
    hourly_cap: int = None
    daily_cap: int = None
    quiet_start: str = None  # "22:00"
    quiet_end: str = None    # "08:00"
    timezone: str = None     # IANA name; None = the computer's local time
    start_at: float = None   # epoch seconds
    max_consecutive_failures: int = 5
    failure_streak_seconds: float = 60.0  # failures with no success for this long also pause
    max_attempts: int = 3
    retry_backoff: float = 30.0
    concurrency: int = None  # sends in flight at once; None = the channel type's default (runner.py)
    batch_size_max: int = None     # with batch_size: each burst's size drawn between the two
    batch_pause_max: float = None  # with batch_pause: each break's length drawn between the two
    warmup: bool = False           # a newly linked number's daily cap: 20 on day one, doubling up to warmup_max
    warmup_max: int = 200

    def to_dict(self):
        """The rules as stored and shown."""
        return asdict(self)


NUMBER_LIMITS = {"per_minute": (0.01, 100_000), "min_delay": (0, DAY), "max_delay": (0, DAY),
                 "batch_size": (1, 10**7), "batch_pause": (0, DAY), "hourly_cap": (1, 10**7),
                 "daily_cap": (1, 10**8), "start_at": (0, 10**11), "max_consecutive_failures": (1, 10**6),
                 "failure_streak_seconds": (1, DAY), "max_attempts": (1, 100), "retry_backoff": (0, DAY),
                 "concurrency": (1, 256), "batch_size_max": (1, 10**7), "batch_pause_max": (0, DAY),
                 "warmup_max": (1, 10**6)}
INTEGER_FIELDS = {"batch_size", "hourly_cap", "daily_cap", "max_consecutive_failures", "max_attempts",
                  "concurrency", "batch_size_max", "warmup_max"}
WARMUP_FIRST_DAY = 20


def check_number(name, value):
    """VALUE within NUMBER_LIMITS[NAME] (None allowed), else a 400."""
    if value is None:
        return None
    low, high = NUMBER_LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise DomainError("bad_pacing", "'%s' must be a number between %s and %s." % (name, low, high))
    if name in INTEGER_FIELDS and int(value) != value:
        raise DomainError("bad_pacing", "'%s' must be a whole number." % name)
    return int(value) if name in INTEGER_FIELDS else float(value)


def parse_clock(text, name):
    """'HH:MM' -> minutes after midnight, else a 400."""
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
        if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
            raise ValueError
        return value
    except ValueError:
        raise DomainError("bad_pacing", "'%s' must be a time like 22:00." % name) from None


def start_time(value):
    """start_at as epoch seconds from a number or an ISO-8601 text."""
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise DomainError("bad_pacing", "'start_at' must be an ISO-8601 date and time.") from None
        try:
            if parsed.tzinfo is None:
                parsed = parsed.astimezone()
            return parsed.timestamp()
        except (ValueError, OverflowError, OSError):  # e.g. year 1 in local time: outside the platform's range
            raise DomainError("bad_pacing", "'start_at' is outside the supported date range.") from None
    return value


def from_dict(data):
    """Validated Pacing from user input (unknown keys refused)."""
    if data is not None and not isinstance(data, dict):
        raise DomainError("bad_pacing", "'pacing' must be an object.")
    data = dict(data or {})
    known = set(Pacing.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise DomainError("bad_pacing", "Unknown pacing setting(s): %s." % ", ".join(sorted(unknown)))
    if "start_at" in data:
        data["start_at"] = start_time(data["start_at"])
    for name in NUMBER_LIMITS:
        if name in data:
            data[name] = check_number(name, data[name])
    if "warmup" in data and not isinstance(data["warmup"], bool):
        raise DomainError("bad_pacing", "'warmup' must be true or false.")
    if data.get("warmup_max") is None:
        data.pop("warmup_max", None)
    rules = Pacing(**data)
    check_consistency(rules)
    return rules


def check_consistency(rules):
    """Cross-field rules: delays ordered, quiet hours complete and distinct, a known time zone."""
    if rules.per_minute is None:
        raise DomainError("bad_pacing", "'per_minute' is required.")
    if rules.max_delay < rules.min_delay:
        raise DomainError("bad_pacing", "'max_delay' must not be below 'min_delay'.")
    if rules.batch_size_max is not None and (rules.batch_size is None or rules.batch_size_max < rules.batch_size):
        raise DomainError("bad_pacing", "'batch_size_max' needs 'batch_size' and must not be below it.")
    if rules.batch_pause_max is not None and rules.batch_pause_max < rules.batch_pause:
        raise DomainError("bad_pacing", "'batch_pause_max' must not be below 'batch_pause'.")
    if (rules.quiet_start is None) != (rules.quiet_end is None):
        raise DomainError("bad_pacing", "Give both 'quiet_start' and 'quiet_end', or neither.")
    if rules.quiet_start is not None and parse_clock(rules.quiet_start, "quiet_start") == \
            parse_clock(rules.quiet_end, "quiet_end"):
        raise DomainError("bad_pacing", "Quiet hours must not start and end at the same time.")
    if rules.timezone is not None:
        try:
            if not isinstance(rules.timezone, str):
                raise ValueError(rules.timezone)
            zoneinfo.ZoneInfo(rules.timezone)
        # A folder ("America") or an over-long name fails as OSError rather than ZoneInfoNotFoundError.
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise DomainError("bad_pacing", "Unknown time zone %r." % rules.timezone) from None


def local_time(ts, tz_name):
    """The wall-clock datetime of TS in TZ_NAME (or the computer's zone)."""
    zone = zoneinfo.ZoneInfo(tz_name) if tz_name else None
    return datetime.datetime.fromtimestamp(ts, zone) if zone else datetime.datetime.fromtimestamp(ts).astimezone()


def quiet_until(rules, ts):
    """When the quiet period containing TS ends, or None if TS is not in quiet hours."""
    if rules.quiet_start is None:
        return None
    start, end = parse_clock(rules.quiet_start, "quiet_start"), parse_clock(rules.quiet_end, "quiet_end")
    moment = local_time(ts, rules.timezone)
    minute = moment.hour * 60 + moment.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    days = 1 if start > end and minute >= start else 0
    target = (moment + datetime.timedelta(days=days)).replace(hour=end // 60, minute=end % 60, second=0,
                                                              microsecond=0)
    return target.timestamp()


def cap_until(nth_latest, cap, window, ts):
    """When a WINDOW-long cap of CAP frees a slot at or after TS.

    NTH_LATEST(since, k) is the time of the k-th most recent attempt after SINCE, or None when fewer.
    """
    if cap is None:
        return ts
    kth = nth_latest(ts - window, cap)
    return ts if kth is None else kth + window


def warmup_cap(rules, linked_at, ts):
    """The warm-up daily cap at TS for a number linked at LINKED_AT: 20 on the first day, doubling each day."""
    days = max(0, int((ts - linked_at) // DAY))
    return min(WARMUP_FIRST_DAY * 2 ** min(days, 30), rules.warmup_max)


def from_times(times):
    """An nth_latest function over a sorted list of attempt times (for tests and small callers)."""
    def nth_latest(since, k):
        inside = [t for t in times if t > since]
        return inside[-k] if len(inside) >= k else None
    return nth_latest


class Pacer:
    """Decides the earliest time of the next message; draws each random delay once per message.

    The rate is a token bucket (GCRA form): messages may go in a burst of up to BURST (at most the sends in
    flight, and at most a tenth of a second's worth, so any one second carries at most 10% over the rate),
    then one per 60/per_minute seconds. Up to 600 a minute the burst is 1: exact gaps.
    """

    def __init__(self, rules, rng=None, burst=1):
        self.rules, self.rng = rules, rng or random.Random()
        self.burst = max(1, min(int(burst), int(rules.per_minute / 600.0)))
        self.interval = 60.0 / rules.per_minute
        self.gap = None
        self.hold = 0.0
        self.tat = None  # the bucket's theoretical arrival time of the next message
        self.next_break = None  # the message count after which the next break comes (random burst sizes)
        self.warmup = None  # (linked_at, nth_latest over every campaign of the channel), set by the runner

    def hold_until(self, ts):
        """Send nothing before TS (rate-limit answers, back-off)."""
        self.hold = max(self.hold, ts)

    def message_gap(self, sent_in_run):
        """Seconds to leave after the previous message (random delay, batch pause; the rate when BURST is 1)."""
        if self.gap is None:
            rules = self.rules
            gap = self.rng.uniform(rules.min_delay, rules.max_delay)
            if self.burst == 1:
                gap = max(gap, self.interval)
            if rules.batch_size and sent_in_run and self.is_break(sent_in_run):
                gap = max(gap, self.rng.uniform(rules.batch_pause, rules.batch_pause_max)
                          if rules.batch_pause_max is not None else rules.batch_pause)
            self.gap = gap
        return self.gap

    def is_break(self, sent_in_run):
        """True when a break is due after SENT_IN_RUN messages (fixed bursts, or sizes drawn per burst)."""
        rules = self.rules
        if rules.batch_size_max is None:
            return sent_in_run % rules.batch_size == 0
        if self.next_break is None:
            self.next_break = sent_in_run + self.rng.randint(rules.batch_size, rules.batch_size_max) \
                if sent_in_run >= rules.batch_size else self.rng.randint(rules.batch_size, rules.batch_size_max)
        if sent_in_run < self.next_break:
            return False
        self.next_break = sent_in_run + self.rng.randint(rules.batch_size, rules.batch_size_max)
        return True

    def sent(self, ts=None):
        """Forget the drawn delay and take a token at TS (when given): the next message draws its own."""
        self.gap = None
        if ts is not None:
            self.tat = max(self.tat if self.tat is not None else ts, ts) + self.interval

    def bucket_time(self, last_send):
        """When the bucket next holds a token."""
        tat = self.tat if self.tat is not None else (last_send + self.interval if last_send is not None else None)
        return None if tat is None else tat - (self.burst - 1) * self.interval

    def next_time(self, now, last_send, sent_in_run, nth_latest):
        """(earliest epoch time for the next message, reason); NTH_LATEST looks up past attempts (see cap_until)."""
        rules, when, reason = self.rules, now, "ready"
        candidates = [(rules.start_at, "scheduled"), (self.hold, "backing_off"),
                      (self.bucket_time(last_send), "pacing")]
        if last_send is not None:
            candidates.append((last_send + self.message_gap(sent_in_run), "pacing"))
        for ts, why in candidates:
            if ts is not None and ts > when:
                when, reason = ts, why
        for _ in range(20):  # caps and quiet hours can push each other; a few rounds settle it
            moved = self.constrain(when, nth_latest)
            if moved[0] <= when:
                break
            when, reason = moved
        return when, reason

    def constrain(self, when, nth_latest):
        """Apply caps and quiet hours to WHEN once."""
        rules = self.rules
        for cap, window, why in ((rules.hourly_cap, HOUR, "hourly_cap"), (rules.daily_cap, DAY, "daily_cap")):
            later = cap_until(nth_latest, cap, window, when)
            if later > when:
                return later, why
        if rules.warmup and self.warmup is not None and self.warmup[0] is not None:
            linked_at, channel_nth_latest = self.warmup
            later = cap_until(channel_nth_latest, warmup_cap(rules, linked_at, when), DAY, when)
            if later > when:
                return later, "warmup_cap"
        quiet = quiet_until(rules, when)
        if quiet is not None:
            return quiet, "quiet_hours"
        return when, None
