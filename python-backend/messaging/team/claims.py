"""The atomic claim of a batch of recipients by one worker, with the channel's budget, in one transaction.

PostgreSQL: the pending rows are picked with FOR UPDATE SKIP LOCKED, so workers claiming at the same moment take
different rows instead of queueing on the same ones; SQLite: BEGIN IMMEDIATE runs one claim at a time. Either
way the UPDATE pending -> sending (states.claim_for_worker) moves a row only from 'pending', so a row is
claimed by exactly one worker, and it is 'sending' with that worker's id before any provider is called.
"""
from .. import campaigns, db, ledger, states
from ..pacing import DAY, HOUR
from ..util import loads
from . import budget

PENDING = "SELECT * FROM campaign_recipients WHERE campaign_id=? AND status='pending' ORDER BY id LIMIT ?"


def claim(conn, campaign, worker_id, wanted, now, interval, new_id=None):
    """Claim up to WANTED pending recipients of CAMPAIGN (a row) for WORKER_ID, each with a budget slot time:
    (rows as dicts with 'slot', ask again at, True when nothing is pending), or None when it no longer runs."""
    with db.transaction(conn):
        running = conn.execute("SELECT 1 FROM campaigns WHERE id=? AND status='running'",
                               (campaign["id"],)).fetchone()
        if running is None:
            return None
        slots, again = budget.reserve(conn, campaign["channel_id"], interval, wanted, now)
        room = cap_room(conn, campaign, now)
        if room is not None and room < len(slots):  # the caps, counted under the budget row's lock
            budget.give_back(conn, campaign["channel_id"], interval, len(slots) - max(room, 0))
            slots = slots[:max(room, 0)]
        if not slots:
            return [], again, False
        lock = " FOR UPDATE SKIP LOCKED" if db.is_postgres(conn) else ""
        rows = conn.execute(PENDING + lock, (campaign["id"], len(slots))).fetchall()
        claimed = take_rows(conn, rows, worker_id, now, new_id, slots)
        budget.give_back(conn, campaign["channel_id"], interval, len(slots) - len(claimed))
        return claimed, None, not rows


def cap_room(conn, campaign, now):
    """How many more attempts CAMPAIGN's hourly and daily caps allow at NOW, or None when it has none.

    Each worker's pacer checks the caps before claiming, but two workers can read the same count and both claim;
    counted again here, inside the claim's transaction, every claim of the channel waits on the budget row's
    lock (SQLite: BEGIN IMMEDIATE), so the rows claimed by others are counted (a claim sets attempted_at)."""
    pacing = loads(campaign["pacing"], {})
    rooms = [cap - conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND attempted_at>?",
                                (campaign["id"], now - window)).fetchone()[0]
             for cap, window in ((pacing.get("hourly_cap"), HOUR), (pacing.get("daily_cap"), DAY)) if cap]
    return min(rooms) if rooms else None


def take_rows(conn, rows, worker_id, now, new_id, slots):
    """Mark ROWS 'sending' for WORKER_ID (caller's transaction), leaving out rows now on the do-not-contact list
    and rows a provider report already settled; the claimed rows as dicts, each with the next slot."""
    claimed = []
    for row in rows:
        if not states.claim_for_worker(conn, row["id"], worker_id, now):
            continue
        if campaigns.check_dnc_now(conn, row):
            states.drop_recipient(conn, row["id"], "do_not_contact", "On the do-not-contact list.", now)
            continue
        if ledger.settled_by_report(conn, row["id"]):
            continue
        provider_id = row["provider_id"]
        if new_id is not None and provider_id is None:  # on disk before the provider is called
            provider_id = new_id()
            conn.execute("UPDATE campaign_recipients SET provider_id=? WHERE id=?", (provider_id, row["id"]))
        claimed.append(dict(row, provider_id=provider_id, slot=slots[len(claimed)]))
    return claimed
