#!/usr/bin/env python3
"""Fault-injection run for campaigns: many SIGKILL trials against the real sidecar and a loopback SMTP server.

Each trial starts a 30-60 recipient campaign, kills the sidecar with SIGKILL at a random moment (sometimes a
second time while it resumes), restarts it on the same data directory and checks that no recipient marked sent
got a second message, none was silently skipped, no campaign finished with recipients pending, and
PRAGMA integrity_check is ok.

    .venv/bin/python scripts/fault_campaign.py --trials 200 [--seed N] [--keep DIR]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(ROOT, "python-backend"), os.path.join(ROOT, "tests", "python")]

from fakes.fault_trials import FaultRig  # noqa: E402
from fakes.smtp import FakeSmtp  # noqa: E402


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--double-kill-rate", type=float, default=0.25, help="share of trials killed twice")
    ap.add_argument("--keep", help="keep the data directory here instead of a temporary one")
    return ap.parse_args(argv)


def main(argv=None):
    """Run the trials, print one line each and a summary; exit 1 on the first broken promise."""
    args = parse_args(argv)
    work = args.keep or tempfile.mkdtemp(prefix="fault-campaign-")
    os.makedirs(work, exist_ok=True)
    totals = {"trials": 0, "kills": 0, "mid_campaign": 0, "unknown": 0, "sent": 0}
    started = time.time()
    with FakeSmtp(work, "plain") as smtp:
        rig = FaultRig(os.path.join(work, "data"), smtp, seed=args.seed)
        try:
            for trial in range(args.trials):
                result = rig.run_trial(trial, double_kill_rate=args.double_kill_rate)
                at_kill = result["at_kill"]
                mid = at_kill.get("pending", 0) + at_kill.get("sending", 0) > 0
                totals["trials"] += 1
                totals["kills"] += result["kills"]
                totals["mid_campaign"] += mid
                totals["unknown"] += result["final"].get("unknown", 0)
                totals["sent"] += result["final"].get("sent", 0)
                print("trial %3d: %2d recipients, %d kill(s), at kill %s -> final %s" % (
                    trial, result["size"], result["kills"], at_kill, result["final"]), flush=True)
        except AssertionError as err:
            print("BROKEN PROMISE in trial %d (seed %d): %s" % (totals["trials"], args.seed, err), flush=True)
            return 1
        finally:
            rig.close()
    print("ok: %(trials)d trials, %(kills)d kills (%(mid_campaign)d mid-campaign), %(sent)d sent exactly once, "
          "%(unknown)d left 'unknown' for the user" % totals + ", seed %d, %.0f s" % (args.seed, time.time() - started))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
