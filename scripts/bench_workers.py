#!/usr/bin/env python3
"""Team mode throughput: messages per second of 1, 2 and 4 `app.py worker` processes against the fake WhatsApp
Cloud API answering after 150 ms, with the sender's rate set above what one worker reaches, and the database's
share of the workers' time.

Each worker keeps --concurrency sends in flight (low, so that one worker cannot reach the rate on 2 cores); the
channel's shared budget caps the sum at --per-minute (less its 20% jitter margin, messaging/team/budget.py).
msg/s is read from the ledger: recipients / (last outcome - first claim). The database's share: the seconds the
workers' dispatchers spent in claim (with the budget), record and status transactions, over the workers' time
(workers x the run's length); each worker prints its totals when it stops.

    .venv/bin/python scripts/bench_workers.py [--workers 1,2,4] [--count 600] [--per-minute 2400]
        [--concurrency 2] [--latency 0.15] [--repeats 1]
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(ROOT, "python-backend"), os.path.join(ROOT, "tests", "python")]

from fakes.keychain import ensure_keychain  # noqa: E402
from fakes.whatsapp import FakeWhatsApp  # noqa: E402
from support.sidecar import wait_for  # noqa: E402
from support.team import TeamSidecar  # noqa: E402
from messaging import db  # noqa: E402
from support import postgres  # noqa: E402
from support.workers import WorkerProc, busiest_second, make_list  # noqa: E402


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    ap.add_argument("--count", type=int, default=600, help="recipients per run")
    ap.add_argument("--per-minute", type=float, default=2400, help="the sender's configured rate")
    ap.add_argument("--concurrency", type=int, default=2, help="sends in flight per worker")
    ap.add_argument("--latency", type=float, default=0.15, help="seconds the fake Cloud API takes to answer")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--postgres", action="store_true",
                    help="run on a throw-away PostgreSQL cluster (tests/python/support/postgres.py), not SQLite")
    return ap.parse_args(argv)


def run(args, api, channel_id, fake, workers, tag):
    """One campaign with WORKERS fresh worker processes: (msg/s, database share, ms per claim, busiest second)."""
    env = {"BULKMSG_DATABASE_URL": db.DATABASE_URL} if db.DATABASE_URL else None
    procs = [WorkerProc(api.data_dir + "/..", api.data_dir, args.concurrency, env=env,
                        name="w%d-%d" % (tag, i)).start() for i in range(workers)]
    contacts = [{"number": "+1415%03d%04d" % (200 + tag, i), "name": "R%d" % i} for i in range(args.count)]
    list_id = make_list(api, contacts)
    campaign_id = api.post("/campaigns", {"name": "bench %d" % tag, "list_id": list_id, "channel_id": channel_id,
                                          "body": "Hello {{name}}",
                                          "pacing": {"per_minute": args.per_minute}}).json()["id"]
    before = len(fake.arrivals)
    api.post("/campaigns/%d/start" % campaign_id)
    wait_for(lambda: api.get("/campaigns/%d" % campaign_id).json()["status"] != "running", timeout=900,
             interval=0.05)
    for proc in procs:
        proc.stop()
    rate, elapsed = ledger_rate(api.data_dir, campaign_id, args.count)
    totals = {}
    for proc in procs:
        for kind, (count, seconds) in db_time(proc).items():
            totals[kind] = [totals.get(kind, [0, 0.0])[0] + count, totals.get(kind, [0, 0.0])[1] + seconds]
    share = sum(seconds for _, seconds in totals.values()) / (workers * elapsed)
    claims = totals.get("claim", [1, 0.0])
    return rate, share, 1000.0 * claims[1] / max(claims[0], 1), busiest_second(fake.arrivals[before:])


def db_time(proc):
    """The worker's printed totals {kind: [transactions, seconds]}."""
    found = re.findall(rb"db-time (\{.*\})", proc.read_log())
    return json.loads(found[-1]) if found else {}


def ledger_rate(data_dir, campaign_id, count):
    """(COUNT / (last finished_at - first attempted_at), that time), checking every recipient was sent."""
    conn = db.connect(db.db_path(data_dir))
    try:
        first, last, sent = conn.execute("SELECT MIN(attempted_at), MAX(finished_at), COUNT(*) FILTER (WHERE "
                                         "status='sent') FROM "
                                         "campaign_recipients WHERE campaign_id=?", (campaign_id,)).fetchone()
    finally:
        conn.close()
    assert sent == count, "only %s of %d sent" % (sent, count)
    return count / (last - first), last - first


def main(argv=None):
    """Run the benchmark and print a table."""
    args = parse_args(argv)
    keychain = ensure_keychain()
    work = tempfile.mkdtemp(prefix="bench-workers-")
    rows, cluster = [], None
    try:
        if args.postgres:
            cluster = postgres.Cluster()
            db.configure(cluster.start().make_template().fresh_database())
        api = TeamSidecar(work, args=["--database", db.DATABASE_URL] if db.DATABASE_URL else ()).start()
        try:
            with FakeWhatsApp(latency=args.latency) as fake:
                channel_id = api.post("/channels", {"name": "wa", "type": "whatsapp",
                                                    "secrets": {"access_token": fake.token},
                                                    "config": {"phone_number_id": fake.phone_number_id,
                                                               "api_base": fake.base_url}}).json()["id"]
                tag = 0
                for _ in range(args.repeats):
                    for workers in [int(w) for w in args.workers.split(",")]:
                        rows.append((workers,) + run(args, api, channel_id, fake, workers, tag))
                        tag += 1
        finally:
            api.stop()
    finally:
        if keychain is not None:
            keychain.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%8s %10s %12s %13s %15s" % ("workers", "msg/s", "db share", "ms per claim", "busiest second"))
    for workers, rate, share, claim_ms, busiest in rows:
        print("%8d %10.1f %11.1f%% %13.2f %15d" % (workers, rate, 100 * share, claim_ms, busiest))
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print("(%s; rate limit %.0f/s, %.1f/s with the jitter margin; %d in flight per worker; %d ms answers; "
          "%d recipients; measured %s)" % (engine, args.per_minute / 60, args.per_minute / 72, args.concurrency,
                                           args.latency * 1000, args.count, time.strftime("%Y-%m-%d %H:%M")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
