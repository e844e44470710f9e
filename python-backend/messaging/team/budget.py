"""Each channel's one sending budget, shared by every worker: a token bucket row updated in the claim transaction.

GCRA form: `tat` is the time the channel's next message may go. A claim reserves slots STEP apart from
max(tat, now), at most HORIZON ahead, and moves `tat` past them; the send threads wait for their slot. Every
worker reserves from the same row under its lock, so the channel's messages are STEP apart whatever the number
of workers. STEP is the rate's interval widened by MARGIN: the slot is taken in the database, the message lands
at the provider a little later, and that jitter must not put one message more into a 1-second window.
"""
from .. import db

MARGIN = 0.2
HORIZON = 0.5  # seconds of slots one claim may reserve ahead (a worker that dies wastes at most these)


def step(per_minute):
    """Seconds between two messages of a channel sending at PER_MINUTE."""
    return 60.0 / per_minute * (1.0 + MARGIN)


def reserve(conn, channel_id, interval, wanted, now, horizon=HORIZON):
    """Up to WANTED slot times STEP apart for CHANNEL_ID (caller's transaction): (slots, when to ask again)."""
    conn.execute("INSERT INTO channel_budgets (channel_id, tat) VALUES (?, ?) ON CONFLICT DO NOTHING",
                 (channel_id, now))
    lock = " FOR UPDATE" if db.is_postgres(conn) else ""  # SQLite: BEGIN IMMEDIATE already serialises writers
    tat = conn.execute("SELECT tat FROM channel_budgets WHERE channel_id=?" + lock, (channel_id,)).fetchone()[0]
    start = max(tat, now)
    room = int((now + horizon - start) // interval) + 1 if start <= now + horizon else 0
    count = max(0, min(wanted, room))
    if count:
        conn.execute("UPDATE channel_budgets SET tat=? WHERE channel_id=?", (start + count * interval, channel_id))
    return [start + i * interval for i in range(count)], start - horizon


def give_back(conn, channel_id, interval, count):
    """Return the last COUNT slots of a reservation no row was claimed for (same transaction, row still locked)."""
    if count:
        conn.execute("UPDATE channel_budgets SET tat=tat-? WHERE channel_id=?", (count * interval, channel_id))
