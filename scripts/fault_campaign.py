#!/usr/bin/env python3
"""Fault-injection run for campaigns: many SIGKILL trials against the real sidecar and a loopback provider.

Uses the one fault harness (tests/python/fakes/fault_trials.py). Each trial starts a 30-60 recipient campaign
with 2-8 sends in flight (--concurrency) against the loopback SMTP server or the fake Cloud API (--channel),
kills the sidecar with SIGKILL at a random moment (sometimes a second time while it resumes), restarts it on the
same data directory and checks that no recipient got a second message (0 automatic double sends), none was
silently skipped, no campaign finished with recipients pending, and PRAGMA integrity_check is ok.

    .venv/bin/python scripts/fault_campaign.py --trials 200 [--channel smtp|whatsapp|twilio|whatsapp_web]
        [--seed N] [--kill sidecar|engine] [--keep DIR]

With a channel that can say what it received (whatsapp: the Cloud API's status webhooks naming the row; twilio: its
Messages list; whatsapp_web: the engine's acks) every trial ends as the user's retry dialog does: reconcile the
'unknown' recipients, retry those still unknown, and check that nothing arrived twice; the summary counts the rows
reconciled. With --channel whatsapp_web the trials run against the fake WhatsApp behind the real Node engine, and
--kill engine kills the engine process instead of the sidecar.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(ROOT, "python-backend"), os.path.join(ROOT, "tests", "python")]

from fakes.fault_trials import CloudApiTarget, FaultRig, TwilioTarget, WhatsAppWebTarget, trials_from_env  # noqa: E402
from fakes.keychain import ensure_keychain  # noqa: E402
from fakes.smtp import FakeSmtp  # noqa: E402
from fakes.twilio import FakeTwilio  # noqa: E402
from fakes.wa_web import FakeWhatsApp as FakeWhatsAppWeb  # noqa: E402
from fakes.whatsapp import FakeWhatsApp  # noqa: E402


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=trials_from_env(100), help="default: BULKMSG_FAULT_TRIALS or 100")
    ap.add_argument("--channel", choices=("smtp", "whatsapp", "twilio", "whatsapp_web"), default="smtp",
                    help="the loopback SMTP server, the fake Cloud API or Twilio API answering after --latency "
                         "seconds, or the fake WhatsApp behind the real WhatsApp Web engine")
    ap.add_argument("--kill", choices=("sidecar", "engine"), default="sidecar",
                    help="whatsapp_web only: kill the sidecar (with its engine) or the engine process alone")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--concurrency", default="2,4,8", help="sends in flight, one drawn per trial (e.g. 1,8,32)")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--double-kill-rate", type=float, default=0.25, help="share of trials killed twice")
    ap.add_argument("--keep", help="keep the data directory here instead of a temporary one")
    return ap.parse_args(argv)


def provider(args, work):
    """The local server the trials send to."""
    if args.channel == "whatsapp":
        return FakeWhatsApp(latency=args.latency)
    if args.channel == "twilio":
        return FakeTwilio(latency=args.latency)
    if args.channel == "whatsapp_web":
        fake = FakeWhatsAppWeb()
        fake.ack_mode, fake.ack_delay = "out_of_order", 0.05
        return fake
    return FakeSmtp(work, "plain")


def target(args, server):
    """The fault rig's view of SERVER."""
    targets = {"whatsapp_web": WhatsAppWebTarget, "whatsapp": CloudApiTarget, "twilio": TwilioTarget}
    return targets[args.channel](server) if args.channel in targets else server


def one_trial(rig, args, trial):
    """One trial of the chosen kind; those of channels that can answer end with reconcile and retry."""
    if args.channel == "smtp":
        return rig.run_trial(trial, double_kill_rate=args.double_kill_rate)
    if args.kill == "engine":
        return rig.run_engine_trial(trial)
    result = rig.run_trial(trial, double_kill_rate=args.double_kill_rate)
    result.update(rig.finish_with_retry(result["campaign_id"], result["addresses"]))
    return result


def report_trial(result, totals):
    """Add one trial to TOTALS and print its line."""
    at_kill = result["at_kill"]
    totals["trials"] += 1
    totals["kills"] += result["kills"]
    totals["mid_campaign"] += at_kill.get("pending", 0) + at_kill.get("sending", 0) > 0
    totals["unknown"] += result["final"].get("unknown", 0)
    totals["sent"] += result["final"].get("sent", 0)
    totals["double_sends"] += result["double_sends"]
    totals["reconciled"] += result.get("reconciled", 0)
    print("trial %3d: %2d recipients, %d kill(s), at kill %s -> final %s, reconciled %d" % (
        result["trial"], result["size"], result["kills"], at_kill, result["final"], result.get("reconciled", 0)),
        flush=True)


def main(argv=None):
    """Run the trials, print one line each and a summary; exit 1 on the first broken promise."""
    args = parse_args(argv)
    work = args.keep or tempfile.mkdtemp(prefix="fault-campaign-")
    os.makedirs(work, exist_ok=True)
    totals = {"trials": 0, "kills": 0, "mid_campaign": 0, "unknown": 0, "sent": 0, "double_sends": 0,
              "reconciled": 0}
    started = time.time()
    keychain = ensure_keychain() if args.channel in ("whatsapp", "twilio") else None
    try:
        with provider(args, work) as server:
            concurrency = (1,) if args.channel == "whatsapp_web" else tuple(int(c) for c in args.concurrency.split(","))
            rig = FaultRig(os.path.join(work, "data"), target(args, server), seed=args.seed, concurrency=concurrency)
            try:
                for trial in range(args.trials):
                    report_trial(one_trial(rig, args, trial), totals)
            except AssertionError as err:
                print("BROKEN PROMISE in trial %d (seed %d): %s" % (totals["trials"], args.seed, err), flush=True)
                return 1
            finally:
                rig.close()
    finally:
        if keychain is not None:
            keychain.stop()
    print("ok: %(trials)d trials, %(kills)d kills (%(mid_campaign)d mid-campaign), %(sent)d sent exactly once, "
          "%(unknown)d left 'unknown' for the user, %(reconciled)d reconciled before a retry, %(double_sends)d "
          "double sends" % totals +
          ", seed %d, %.0f s" % (args.seed, time.time() - started))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
