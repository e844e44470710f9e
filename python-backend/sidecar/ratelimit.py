"""Per-client token buckets on the expensive endpoints, refused with 429 and Retry-After.

A group allows BURST requests at once, refilled at BURST per PERIOD seconds. Another area rate-limits an
endpoint by adding its Flask endpoint name to ENDPOINT_GROUPS (and a group to DEFAULT_LIMITS when new).
Config RATE_LIMITS (env BULKMSG_RATE_LIMITS) overrides groups: "upload=30/60,parse=10/1".
"""
import math
import threading
import time

from flask import current_app, request

from .errors import error_response

# group -> (burst, period in seconds). Generous: the UI never comes close, a flood does.
DEFAULT_LIMITS = {
    "upload": (120, 60.0),
    "parse": (240, 60.0),
    "remap": (120, 60.0),
    "export": (240, 60.0),
    "campaign_send": (120, 60.0),
}
ENDPOINT_GROUPS = {
    "contacts.upload": "upload",
    "contacts.parse_manual_numbers": "parse",
    "imports.remap": "remap",
    "imports.export": "export",
    # Starting sending costs provider calls (and money): the same generous ceiling per client.
    "campaigns.start_campaign": "campaign_send",
    "campaigns.resume_campaign": "campaign_send",
    "campaigns.retry_campaign": "campaign_send",
}
# Beyond this many tracked clients, buckets that have refilled completely are forgotten.
MAX_TRACKED_BUCKETS = 10_000


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
    """Token buckets keyed by (client, group), safe across waitress threads."""

    def __init__(self, limits, clock=time.monotonic):
        self.limits, self.clock = dict(limits), clock
        self._buckets = {}
        self._lock = threading.Lock()

    def take(self, client, group):
        """Spend one request of CLIENT in GROUP: 0 when allowed, else the seconds until one is available."""
        burst, period = self.limits[group]
        rate = burst / period
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get((client, group), (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            if tokens >= 1:
                self._buckets[(client, group)] = (tokens - 1, now)
                self._forget_idle(now)
                return 0.0
            self._buckets[(client, group)] = (tokens, now)
            return (1 - tokens) / rate

    def _forget_idle(self, now):
        """Bound memory: drop buckets that would be full again anyway."""
        if len(self._buckets) <= MAX_TRACKED_BUCKETS:
            return
        for key, (tokens, last) in list(self._buckets.items()):
            burst, period = self.limits[key[1]]
            if tokens + (now - last) * burst / period >= burst:
                del self._buckets[key]


def check_rate():
    """Refuse a client that exceeded its budget on an expensive endpoint."""
    group = ENDPOINT_GROUPS.get(request.endpoint)
    limiter = current_app.extensions["rate_limiter"]
    if group is None or group not in limiter.limits:
        return None
    wait = limiter.take(request.remote_addr or "unknown", group)
    if not wait:
        return None
    retry_after = max(1, math.ceil(wait))
    response = error_response("rate_limited", "Too many requests; try again in %d s." % retry_after, 429,
                              retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response
