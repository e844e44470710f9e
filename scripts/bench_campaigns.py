#!/usr/bin/env python3
"""Campaign throughput: messages per second of the real sidecar against a fake WhatsApp Cloud API that answers
after 150 ms, and on the dry-run channel, each beside the sequential figure (one send in flight) measured in
the same run.

The fake provider adds no delay of its own beyond the 150 ms (TCP_NODELAY on its sockets, a thread per
connection). The rate is read from the ledger: recipients / (last outcome - first claim).

    .venv/bin/python scripts/bench_campaigns.py [--cloud N] [--dry-run N] [--latency 0.15] [--baseline-app PATH]

--baseline-app runs the same sequential campaigns on another sidecar too (e.g. the previous release's app.py,
exported with `git archive HEAD python-backend | tar -x -C /tmp/head`), whose pacing knows no `concurrency`.
"""
import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(ROOT, "python-backend"), os.path.join(ROOT, "tests", "python")]

from fakes.keychain import ensure_keychain  # noqa: E402
from fakes.whatsapp import FakeWhatsApp  # noqa: E402
from support.sidecar import Sidecar, wait_for  # noqa: E402

MAX_RATE = 100_000  # per minute: the highest pacing allows, so pacing never limits the figures


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cloud", type=int, default=1200, help="recipients per concurrent Cloud API run")
    ap.add_argument("--sequential", type=int, default=40, help="recipients of the sequential Cloud API run")
    ap.add_argument("--dry-run", type=int, default=5000, help="recipients per dry-run run")
    ap.add_argument("--latency", type=float, default=0.15, help="seconds the fake Cloud API takes to answer")
    ap.add_argument("--baseline-app", help="another sidecar's app.py to measure sequentially in the same run")
    return ap.parse_args(argv)


def run_campaign(api, channel_id, count, concurrency, tag):
    """Create, start and finish a campaign of COUNT numbers; its messages per second from the ledger.
    CONCURRENCY None: a sidecar whose pacing has no such setting (the baseline)."""
    contacts = [{"number": "+1415%03d%04d" % (200 + tag, i), "name": "R%d" % i} for i in range(count)]
    list_id = api.post("/lists", {"name": "bench %d" % tag, "contacts": contacts}).json()["list"]["id"]
    pacing = {"per_minute": MAX_RATE} if concurrency is None else {"per_minute": MAX_RATE, "concurrency": concurrency}
    created = api.post("/campaigns", {"name": "bench %d" % tag, "list_id": list_id, "channel_id": channel_id,
                                      "body": "Hello {{name}}", "pacing": pacing})
    campaign_id = created.json()["id"]
    api.post("/campaigns/%d/start" % campaign_id)
    wait_for(lambda: api.get("/campaigns/%d" % campaign_id).json()["status"] != "running", timeout=600,
             interval=0.05)
    return ledger_rate(api.data_dir, campaign_id, count)


def ledger_rate(data_dir, campaign_id, count):
    """COUNT / (last finished_at - first attempted_at), checking every recipient was sent."""
    conn = sqlite3.connect(os.path.join(data_dir, "bulkmsg.sqlite3"))
    try:
        first, last, sent = conn.execute("SELECT MIN(attempted_at), MAX(finished_at), SUM(status='sent') FROM "
                                         "campaign_recipients WHERE campaign_id=?", (campaign_id,)).fetchone()
        others = conn.execute("SELECT status, error_code, COUNT(*) FROM campaign_recipients WHERE campaign_id=? "
                              "AND status!='sent' GROUP BY 1, 2", (campaign_id,)).fetchall()
    finally:
        conn.close()
    assert sent == count, "only %s of %d sent; the others: %s" % (sent, count, others)
    return count / (last - first)


def bench(args, work, script=None, plan=None):
    """Every figure of one sidecar (SCRIPT, or this checkout's), as (label, concurrency, messages, msg/s) rows."""
    plan = plan or {"cloud": [(1, args.sequential), (8, args.cloud // 4), (32, args.cloud)],
                    "dry": [(1, args.dry_run), (4, args.dry_run), (16, args.dry_run)]}
    rows, name = [], "baseline " if script else ""
    api = (Sidecar(work, program=(sys.executable, script)) if script else Sidecar(work)).start()
    try:
        with FakeWhatsApp(latency=args.latency) as server:
            channel = api.post("/channels", {"name": "wa", "type": "whatsapp",
                                             "secrets": {"access_token": server.token},
                                             "config": {"phone_number_id": server.phone_number_id,
                                                        "api_base": server.base_url}}).json()["id"]
            label = "%sCloud API, %d ms" % (name, round(args.latency * 1000))
            for tag, (concurrency, count) in enumerate(plan["cloud"]):
                rows.append((label, concurrency or 1, count, run_campaign(api, channel, count, concurrency, tag)))
        dry = api.post("/channels", {"name": "dry", "type": "dry_run", "config": {}}).json()["id"]
        for tag, (concurrency, count) in enumerate(plan["dry"], start=10):
            rows.append((name + "dry run", concurrency or 1, count, run_campaign(api, dry, count, concurrency, tag)))
    finally:
        api.stop()
    return rows


def main(argv=None):
    """Run the benchmark and print a table."""
    args = parse_args(argv)
    keychain = ensure_keychain()
    work = tempfile.mkdtemp(prefix="bench-campaigns-")
    try:
        rows = []
        if args.baseline_app:
            rows += bench(args, os.path.join(work, "baseline"), os.path.abspath(args.baseline_app),
                          {"cloud": [(None, args.sequential)], "dry": [(None, args.dry_run)]})
        rows += bench(args, os.path.join(work, "new"))
    finally:
        if keychain is not None:
            keychain.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("%-28s %11s %9s %10s" % ("channel", "in flight", "messages", "msg/s"))
    for label, concurrency, count, rate in rows:
        print("%-28s %11d %9d %10.1f" % (label, concurrency, count, rate))
    print("(in flight 1 = the sequential runner's figure; measured %s)" % time.strftime("%Y-%m-%d %H:%M"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
