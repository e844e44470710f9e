"""'Is this number on WhatsApp?': a cache with the date of each answer, and a budget, since checking many
numbers is itself a ban signal (at most 60 a minute and 1,000 a day per linked channel, by default)."""
import time

from ..db import transaction

CACHE_SECONDS = 30 * 86400.0
PER_MINUTE, PER_DAY = 60, 1000


def cached(conn, channel_id, number, now=None):
    """(on_whatsapp, jid) from a check younger than CACHE_SECONDS, or None."""
    now = now or time.time()
    row = conn.execute("SELECT on_whatsapp, jid FROM wa_number_checks WHERE channel_id=? AND number=? AND "
                       "checked_at>?", (channel_id, number, now - CACHE_SECONDS)).fetchone()
    return None if row is None else (bool(row[0]), row[1])


def budget_wait(conn, channel_id, count=1, now=None):
    """Seconds to wait before COUNT more checks fit the per-minute and per-day budgets (0: now)."""
    now = now or time.time()
    wait = 0.0
    for window, cap in ((60.0, PER_MINUTE), (86400.0, PER_DAY)):
        if count > cap:
            count = cap
        row = conn.execute("SELECT ts FROM wa_check_log WHERE channel_id=? AND ts>? ORDER BY ts DESC LIMIT 1 "
                           "OFFSET ?", (channel_id, now - window, cap - count)).fetchone()
        if row is not None:
            wait = max(wait, row[0] + window - now)
    return wait


def used(conn, channel_id, now=None):
    """{"minute": checks in the last minute, "day": in the last 24 h}."""
    now = now or time.time()
    count = lambda window: conn.execute("SELECT COUNT(*) FROM wa_check_log WHERE channel_id=? AND ts>?",
                                        (channel_id, now - window)).fetchone()[0]
    return {"minute": count(60.0), "day": count(86400.0)}


def record(conn, channel_id, results, now=None):
    """Store engine check RESULTS ([{number, exists, jid}]) and count them against the budget."""
    now = now or time.time()
    with transaction(conn):
        for result in results:
            conn.execute("INSERT INTO wa_number_checks (channel_id, number, on_whatsapp, jid, checked_at) "
                         "VALUES (?,?,?,?,?) ON CONFLICT (channel_id, number) DO UPDATE SET "
                         "on_whatsapp=excluded.on_whatsapp, jid=excluded.jid, checked_at=excluded.checked_at", (channel_id, result["number"], int(bool(result["exists"])),
                                                result.get("jid"), now))
            conn.execute("INSERT INTO wa_check_log (channel_id, ts) VALUES (?,?)", (channel_id, now))
