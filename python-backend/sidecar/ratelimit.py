"""Per-client request budgets on the endpoints that parse or store user data, refused with 429 and Retry-After.

A group allows at most BURST requests in any PERIOD seconds (a sliding window over the times of the last BURST
requests). A token bucket refilled at BURST per PERIOD let a flood through twice over in its first period: BURST at
once, then BURST more as it refilled. A view is limited by decorating it with `@limited("group")` (a group of
DEFAULT_LIMITS): the limit travels with the function, so renaming the view or its endpoint cannot drop it. Config
RATE_LIMITS (env BULKMSG_RATE_LIMITS) overrides groups: "upload=30/60,parse=10/1".
"""
import collections
import functools
import math
import threading
import time

from flask import current_app, request

from core import errors
from core.errors import DomainError

from .errors import error_response

# group -> (burst, period in seconds). Generous: the UI never comes close, a flood does.
DEFAULT_LIMITS = {
    "upload": (120, 60.0),
    "parse": (240, 60.0),
    "remap": (120, 60.0),
    "export": (240, 60.0),
    "campaign_send": (120, 60.0),
    # Saving a list from pasted numbers or an import parses and stores up to a whole import per request.
    "lists": (120, 60.0),
    # Small edits that store user data: contacts, templates, channels, do-not-contact, new campaigns.
    "edits": (600, 60.0),
    # "Send a test" reaches a real inbox or phone through the real channel: a few a minute is plenty.
    "test_send": (10, 60.0),
    # A rehearsal copies the store and runs a whole campaign (up to a minute): a few a minute is plenty.
    "rehearse": (6, 60.0),
    # Provider webhooks (per client: a tunnel is one client): a campaign's statuses come three per message.
    "webhooks": (12000, 60.0),
    # Replies sent from the inbox reach real people: a person types them, a flood is not one.
    "inbox_reply": (60, 60.0),
    # Team-mode logins per client address, and per user name tried from anywhere: enough for typos, not for
    # guessing (scrypt makes each guess cost ~0.1 s of CPU besides).
    "login": (20, 300.0),
    "login_name": (10, 300.0),
}
# The attribute @limited sets on a view function.
GROUP_ATTRIBUTE = "rate_limit_group"
# Beyond this many tracked clients, those with no request left in their window are forgotten.
MAX_TRACKED_WINDOWS = 10_000


def parse_limits(text):
    """DEFAULT_LIMITS with the overrides of TEXT ("group=burst/seconds,..."); bad entries raise ValueError."""
    limits = dict(DEFAULT_LIMITS)
    for item in (text or "").split(","):
        if not item.strip():
            continue
        group, _, rate = item.partition("=")
        burst, _, period = rate.partition("/")
        burst, period = int(burst), float(period or 60)
        if burst < 1 or period <= 0:
            raise ValueError("rate limit %r must be a positive count per positive seconds" % item)
        limits[group.strip()] = (burst, period)
    return limits


class RateLimiter:
    """Sliding windows keyed by (client, group), safe across waitress threads: the times of each key's last BURST
    allowed requests (refused ones are not counted, so a client that keeps knocking is let in when its window
    clears)."""

    def __init__(self, limits, clock=time.monotonic):
        self.limits, self.clock = dict(limits), clock
        self._windows = {}
        self._lock = threading.Lock()

    def take(self, client, group):
        """Spend one request of CLIENT in GROUP: 0 when allowed, else the seconds until one is available."""
        burst, period = self.limits[group]
        now = self.clock()
        with self._lock:
            times = self._windows.get((client, group))
            if times is None:
                times = self._windows[(client, group)] = collections.deque(maxlen=burst)
            if len(times) == burst and now - times[0] < period:
                return times[0] + period - now
            times.append(now)
            self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now):
        """Bound memory: drop the windows whose every request is older than their period."""
        if len(self._windows) <= MAX_TRACKED_WINDOWS:
            return
        for key, times in list(self._windows.items()):
            if now - times[-1] >= self.limits[key[1]][1]:
                del self._windows[key]


def limited(group):
    """Decorator: requests to this view spend from the client's GROUP budget (checked before the body is read)."""
    if group not in DEFAULT_LIMITS:
        raise ValueError("unknown rate-limit group %r" % group)

    def mark(view):
        """Tag VIEW with its group."""
        setattr(view, GROUP_ATTRIBUTE, group)
        return view
    return mark


def group_of(view):
    """The rate-limit group of VIEW (looking through functools.wraps layers), or None."""
    while view is not None:
        group = getattr(view, GROUP_ATTRIBUTE, None)
        if group is not None:
            return group
        view = getattr(view, "__wrapped__", None)
    return None


def check_rate():
    """Refuse a client that exceeded its budget on a limited view."""
    group = group_of(current_app.view_functions.get(request.endpoint))
    if group is None:
        return None
    limiter = current_app.extensions["rate_limiter"]
    wait = limiter.take(request.remote_addr or "unknown", group)
    if not wait:
        return None
    retry_after = max(1, math.ceil(wait))
    response = error_response("rate_limited", "Too many requests; try again in %d s." % retry_after, 429,
                              retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def streaming(view):
    """Decorator for a long-lived (event stream) view: it holds one of the app's stream slots while it streams.

    Each open stream occupies a server thread until it ends; the server has one thread per slot on top of the
    request threads (app.py), so past the cap a new stream is refused (503 too_many_streams) instead of taking a
    thread that requests need. The slot is freed when the server closes the response (end or client gone).
    """
    @functools.wraps(view)
    def with_slot(*args, **kw):
        """Run the view holding a stream slot, freed when its response closes."""
        slots = current_app.extensions["stream_slots"]
        if not slots.acquire(blocking=False):
            raise DomainError("too_many_streams", "Too many live progress streams are open; try again later.",
                              errors.UNAVAILABLE)
        try:
            response = view(*args, **kw)
        except BaseException:
            slots.release()
            raise
        response.call_on_close(slots.release)
        return response
    return with_slot


def init_app(app):
    """The app's rate limiter and its stream slots."""
    app.extensions["rate_limiter"] = RateLimiter(parse_limits(app.config.get("RATE_LIMITS")))
    app.extensions["stream_slots"] = threading.BoundedSemaphore(int(app.config["STREAM_SLOTS"]))
