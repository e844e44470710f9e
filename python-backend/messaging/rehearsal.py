"""Rehearse a campaign: the real runner sends it to the dry-run channel in a scratch copy of the store, on a clock
that skips its waits, so hours of pacing, caps and quiet hours play out in seconds and nothing is sent.

The copy is the store itself (sqlite backup), with the campaign's channel turned into a dry run in the copy only:
the same recipients, do-not-contact list, pacing rules, sends in flight and WhatsApp Web warm-up date. The
campaign's own rows, the real channel and the user's dry-run files are never touched. The copy is deleted after.
"""
import os
import shutil
import sqlite3
import tempfile
import threading
import time

from . import campaigns, channel_store, channels, db, migrations, pacing, review, runner
from core import errors
from core.errors import DomainError
from .util import dumps, iso, loads

FOLDER = "rehearsals"
REHEARSABLE = ("draft", "paused")
MAX_REAL_SECONDS = 60.0   # a rehearsal longer than this stops and reports what it reached
LISTED_WAIT = 60.0        # waits at least this long (virtual seconds) are listed; shorter ones are the pace itself
MAX_WAITS = 100
MAX_BUCKETS = 48
BUCKET_SIZES = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400)
ONE_AT_A_TIME = threading.Lock()


class SkippingClock:
    """Wall-clock time shifted forward by every wait the runner asks for, which returns at once."""

    def __init__(self, start, reason_of):
        self.offset, self.reason_of = start - time.time(), reason_of
        self.waits = []  # (virtual start, seconds, reason)

    def time(self):
        """The rehearsal's 'now'."""
        return time.time() + self.offset

    def sleep(self, seconds, stop):
        """Skip SECONDS (and note the wait and its reason) unless the run is stopping."""
        if stop.is_set() or seconds <= 0:
            return
        self.waits.append((self.time(), seconds, self.reason_of()))
        self.offset += seconds


class RehearsalManager(runner.CampaignManager):
    """The runner on the scratch copy: no nap limit (nobody pauses a rehearsal) and no storage monitor."""

    max_nap = float("inf")

    def __init__(self, data_dir, clock=None, rng=None):
        super().__init__(data_dir, clock, rng)
        self.path = db.file_path(data_dir)  # the scratch SQLite copy, also when the real store is PostgreSQL

    def ensure_monitor(self):
        """A rehearsal is over in seconds; the monitor's lease checks would misread its skipped time."""


def rehearse(conn, data_dir, campaign_id, now, max_real_seconds=MAX_REAL_SECONDS):
    """Run CAMPAIGN_ID's remaining recipients through the dry run on a skipping clock; the timeline it made."""
    campaign = campaigns.campaign_row(conn, campaign_id)
    if campaign["status"] not in REHEARSABLE:
        raise DomainError("cannot_rehearse", "Only a draft or paused campaign can be rehearsed (this one is %s)."
                          % campaign["status"], errors.CONFLICT)
    if not ONE_AT_A_TIME.acquire(blocking=False):
        raise DomainError("rehearsal_running", "Another rehearsal is running; try again when it ends.",
                          errors.CONFLICT)
    try:
        folder = os.path.join(data_dir, FOLDER)
        shutil.rmtree(folder, ignore_errors=True)  # left by a process that died mid-rehearsal
        os.makedirs(folder, exist_ok=True)
        scratch = tempfile.mkdtemp(dir=folder)
        try:
            return run_in_copy(conn, scratch, campaign, now, max_real_seconds)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    finally:
        ONE_AT_A_TIME.release()


def run_in_copy(conn, scratch, campaign, now, max_real_seconds):
    """Copy the store into SCRATCH, make the copy's channel a dry run, run the campaign there; the answer."""
    channel = channel_store.channel_row(conn, campaign["channel_id"])
    copy_store(conn, db.file_path(scratch))
    start = max(now, loads(campaign["pacing"], {}).get("start_at") or now)
    prepare_copy(db.file_path(scratch), campaign, channel)
    manager = RehearsalManager(scratch)
    manager.clock = SkippingClock(start, lambda: waiting_reason(manager, campaign["id"]))
    began = time.monotonic()
    try:
        manager.start(campaign["id"])
        complete = manager.join(campaign["id"], max_real_seconds)
    finally:
        manager.signal_stop(campaign["id"])
        manager.join(campaign["id"], 10.0)
    copy = db.connect(db.file_path(scratch))
    try:
        answer = summary(copy, campaign["id"], start, manager.clock.waits)
    finally:
        copy.close()
    rules = pacing.Pacing(**loads(campaign["pacing"], {}))
    answer.update(complete=complete and answer["left"] == 0, real_seconds=round(time.monotonic() - began, 2),
                  planned=review.plan_for(conn, rules, answer["messages"] + answer["left"], channel, start))
    return answer


def copy_store(conn, path):
    """A consistent copy of the store at PATH (sqlite's online backup: the runner may be writing meanwhile)."""
    if db.is_postgres(conn):
        return copy_from_postgres(conn, path)
    target = sqlite3.connect(path)
    try:
        conn.backup(target)
    finally:
        target.close()


def copy_from_postgres(conn, path):
    """Team mode: the same schema in a new SQLite file at PATH, filled table by table from one PostgreSQL
    snapshot (the rehearsal's runner then works on the file exactly as on the desktop)."""
    target = db.connect(path)
    try:
        migrations.migrate(target, path, lambda: db.raw_connect(path))
        target.execute("PRAGMA foreign_keys=OFF")  # tables are filled in name order, not dependency order
        tables = [r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT "
                                               "LIKE 'sqlite%' AND name <> 'alembic_version' ORDER BY name")]
        with db.snapshot(conn), db.transaction(target):
            for table in tables:
                copy_table(conn, target, table)
    finally:
        target.close()


def copy_table(source, target, table):
    """Every row of TABLE from SOURCE into TARGET (same columns on both engines: same migrations)."""
    cursor = source.execute("SELECT * FROM %s" % table)
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    if rows:
        target.executemany("INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(names), ", ".join("?" * len(names))),
                           [tuple(row) for row in rows])


def prepare_copy(path, campaign, channel):
    """In the copy only: the channel becomes a dry run to the same kind of address, and the campaign keeps the
    real channel's sends in flight (its pacing bursts by them) but drops the attachment (not in the copy's folder)."""
    kind = channels.address_kind(channel["type"], loads(channel["config"], {}))
    rules = loads(campaign["pacing"], {})
    rules["concurrency"] = rules.get("concurrency") or runner.DEFAULT_CONCURRENCY.get(channel["type"], 1)
    options = {k: v for k, v in loads(campaign["options"], {}).items() if k not in ("attachment", "channel_overrides")}
    copy = db.connect(path)
    try:
        with db.transaction(copy):
            copy.execute("UPDATE channels SET type='dry_run', config=?, has_secret=0 WHERE id=?",
                         (dumps({"address": kind}), channel["id"]))
            copy.execute("UPDATE campaigns SET pacing=?, options=? WHERE id=?",
                         (dumps(rules), dumps(options), campaign["id"]))
    finally:
        copy.close()


def waiting_reason(manager, campaign_id):
    """What the rehearsal's worker is waiting for (pacing, caps, quiet hours...)."""
    run = manager.runs.get(campaign_id)
    return (run.waiting.get("reason") if run is not None else None) or "pacing"


def summary(copy, campaign_id, start, waits):
    """Counts, the virtual start and finish, the listed waits and the sends per time bucket."""
    times = [t for (t,) in copy.execute("SELECT attempted_at FROM campaign_recipients WHERE campaign_id=? AND "
                                        "status='sent' ORDER BY attempted_at", (campaign_id,))]
    counts = dict(copy.execute("SELECT status, COUNT(*) FROM campaign_recipients WHERE campaign_id=? GROUP BY status",
                               (campaign_id,)).fetchall())
    finish = times[-1] if times else start
    return {"campaign_id": campaign_id, "messages": len(times), "skipped": counts.get("skipped", 0),
            "failed": counts.get("failed", 0), "left": counts.get("pending", 0) + counts.get("sending", 0),
            "start_at": iso(start), "finish_at": iso(finish), "duration_seconds": round(finish - start, 1),
            "waits": listed_waits(waits), "buckets": buckets(times, start, finish)}


def listed_waits(waits):
    """Waits of at least LISTED_WAIT seconds, back-to-back ones for the same reason merged."""
    merged = []
    for begin, seconds, reason in waits:
        last = merged[-1] if merged else None
        if last is not None and last[2] == reason and abs(last[0] + last[1] - begin) < 1.0:
            merged[-1] = (last[0], last[1] + seconds, reason)
        else:
            merged.append((begin, seconds, reason))
    long_ones = [w for w in merged if w[1] >= LISTED_WAIT]
    return [{"reason": reason, "from": iso(begin), "until": iso(begin + seconds), "seconds": round(seconds, 1)}
            for begin, seconds, reason in long_ones[:MAX_WAITS]]


def buckets(times, start, finish):
    """{size_seconds, counts}: how many messages each stretch of the timeline sent (at most MAX_BUCKETS)."""
    span = max(finish - start, 1.0)
    size = next((s for s in BUCKET_SIZES if span / s <= MAX_BUCKETS), BUCKET_SIZES[-1])
    counts = [0] * min(int(span // size) + 1, MAX_BUCKETS)
    for t in times:
        counts[min(int((t - start) // size), len(counts) - 1)] += 1
    return {"size_seconds": size, "counts": counts}
