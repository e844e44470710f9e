#!/usr/bin/env python3
"""Fault-injection run for the team mode's campaign workers: many trials of SIGKILLed workers mid-campaign.

Uses tests/python/fakes/worker_trials.py (the FaultRig checks). Each trial: an API sidecar in team mode, --workers
`app.py worker` processes of --concurrency sends each, a --size recipient campaign at --per-minute to the fake
Cloud API (answering after --latency seconds); --kills random workers are SIGKILLed at random moments and
restarted. Checked: nobody got two messages, nobody was skipped, the campaign completed, and after reconciling
and retrying what stayed 'unknown' everybody has exactly one; the busiest 1-second window at the fake stays
within the rate.

    .venv/bin/python scripts/fault_workers.py --trials 20 [--size 2000] [--workers 4] [--kills 4] [--seed N]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(ROOT, "python-backend"), os.path.join(ROOT, "tests", "python")]

from fakes.fault_trials import trials_from_env  # noqa: E402
from fakes.keychain import ensure_keychain  # noqa: E402
from fakes.whatsapp import FakeWhatsApp  # noqa: E402
from fakes.worker_trials import WorkerFaultRig  # noqa: E402


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=trials_from_env(20), help="default: BULKMSG_FAULT_TRIALS or 20")
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=3, help="sends in flight per worker")
    ap.add_argument("--per-minute", type=float, default=3000, help="the sender's rate")
    ap.add_argument("--kills", type=int, default=4, help="workers SIGKILLed per trial")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--keep", help="keep the data directory here instead of a temporary one")
    return ap.parse_args(argv)


def check(result):
    """The promises of one trial (AssertionError names the broken one)."""
    assert result["double_sends"] == 0, "double sends: %d" % result["double_sends"]
    assert result["final"] == {"sent": result["size"]}, "final ledger %s" % result["final"]
    assert result["busiest_second"] <= result["limit_per_second"], "busiest second %d over the limit %.1f" % (
        result["busiest_second"], result["limit_per_second"])


def main(argv=None):
    """Run the trials, print one line each and a summary; exit 1 on the first broken promise."""
    args = parse_args(argv)
    work = args.keep or tempfile.mkdtemp(prefix="fault-workers-")
    os.makedirs(work, exist_ok=True)
    started, busiest, unknown = time.time(), 0, 0
    keychain = ensure_keychain()
    try:
        with FakeWhatsApp(latency=args.latency) as fake:
            rig = WorkerFaultRig(work, fake, workers=args.workers, concurrency=args.concurrency,
                                 per_minute=args.per_minute, seed=args.seed)
            try:
                for trial in range(args.trials):
                    result = rig.run_worker_trial(trial, size=args.size, kills=args.kills)
                    print("trial %d: %d kills, first pass %s, %d retried after reconciling, busiest second %d "
                          "(limit %.1f)" % (trial, result["kills"], result["first"], result["still_unknown"],
                                            result["busiest_second"], result["limit_per_second"]), flush=True)
                    check(result)
                    busiest, unknown = max(busiest, result["busiest_second"]), unknown + result["still_unknown"]
            except AssertionError as err:
                print("BROKEN PROMISE (seed %d): %s" % (args.seed, err), flush=True)
                return 1
            finally:
                rig.close()
    finally:
        if keychain is not None:
            keychain.stop()
    print("ok: %d trials of %d recipients, %d kills each, 0 double sends, 0 skipped, %d left unknown and retried, "
          "busiest second %d (limit %.1f), seed %d, %.0f s" % (args.trials, args.size, args.kills, unknown, busiest,
                                                              args.per_minute / 60.0, args.seed,
                                                              time.time() - started))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
