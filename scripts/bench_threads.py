#!/usr/bin/env python3
"""The fast path on one thread or on several (issue 18): normalize_column over the 1M-row list's phone column with
1 thread and with the default (contacts.normalize.WORKERS), alternating, under the loads a desktop meets:

  idle                     nothing else running;
  N busy processes         N processes spinning in Python (other programs using the CPU);
  N memory streams         N processes copying 400 MB arrays (other programs using the memory bus);
  a second import          another normalize_column of the same column in a second thread of this process
                           (two imports at once in one sidecar; the figure is the time until both are done).

    .venv/bin/python scripts/bench_threads.py [--rows 1000000] [--rounds 5] [--loads 1,2]

Every figure is the median of --rounds, the two settings alternating within each round; the answers of the two are
checked equal. Timings on a shared machine are noisy: compare the two columns of one line.
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(REPO, "scripts"), os.path.join(REPO, "python-backend")]
import pandas as pd  # noqa: E402

import gen_contacts  # noqa: E402
from contacts import cores, normalize  # noqa: E402

SPIN = "import time\nend = time.time() + %d\nwhile time.time() < end: pass\n"
STREAM = ("import time, numpy as np\na = np.ones(50_000_000); b = np.empty_like(a); end = time.time() + %d\n"
          "while time.time() < end: np.multiply(a, 1.0001, out=b); a, b = b, a\n")
LOAD_SECONDS = 600  # an upper bound: the loads are stopped as soon as their line is measured


def parse_args():
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loads", default="1,2", help="how many busy processes / memory streams to run beside")
    parser.add_argument("--region", default="IN")
    return parser.parse_args()


def timed(values, region, workers, beside=False):
    """Seconds of normalize_column over VALUES with WORKERS threads (BESIDE: two of them at once), and an answer."""
    normalize.WORKERS = workers
    answers = []

    def run():
        answers.append(normalize.normalize_column(values, region))

    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(2 if beside else 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers[0]


def measure(values, region, rounds, default, beside=False):
    """(median seconds with 1 thread, median with DEFAULT threads), alternating; the answers must agree."""
    times = {1: [], default: []}
    for _ in range(rounds):
        answers = {}
        for workers in (1, default):
            seconds, answers[workers] = timed(values, region, workers, beside)
            times[workers].append(seconds)
        if not answers[1].fillna("-").equals(answers[default].fillna("-")):
            raise SystemExit("the answers of 1 and %d threads differ" % default)
    return statistics.median(times[1]), statistics.median(times[default])


def with_load(code, count, block):
    """BLOCK() while COUNT processes run CODE; they are stopped after it."""
    loads = [subprocess.Popen([sys.executable, "-c", code % LOAD_SECONDS]) for _ in range(count)]
    try:
        time.sleep(1.0)  # let them start (numpy's arrays allocated)
        return block()
    finally:
        for process in loads:
            process.kill()
            process.wait()


def main():
    """Print one line per load: 1 thread, the default, and the ratio."""
    args = parse_args()
    default = normalize.WORKERS
    if default < 2:
        raise SystemExit("this machine gives the process one core: there is nothing to compare")
    csv_path, _ = gen_contacts.cached(os.path.join(REPO, ".bench"), args.rows, args.region, "csv")
    values = pd.read_csv(csv_path, dtype=str, keep_default_na=False, usecols=[1]).iloc[:, 0]
    normalize.normalize_column(values, args.region)  # loads the metadata of every calling code in the list
    print("%d rows, region %s, %d usable cores; default %d threads; median of %d alternating rounds"
          % (len(values), args.region, cores.usable_cores(), default, args.rounds))
    print("%-24s %10s %12s %8s" % ("beside", "1 thread", "%d threads" % default, "ratio"))
    cases = [("idle", lambda: measure(values, args.region, args.rounds, default))]
    for count in [int(n) for n in args.loads.split(",") if n]:
        cases.append(("%d busy processes" % count, lambda c=count: with_load(
            SPIN, c, lambda: measure(values, args.region, args.rounds, default))))
        cases.append(("%d memory streams" % count, lambda c=count: with_load(
            STREAM, c, lambda: measure(values, args.region, args.rounds, default))))
    cases.append(("a second import", lambda: measure(values, args.region, args.rounds, default, beside=True)))
    for label, case in cases:
        one, many = case()
        print("%-24s %8.3f s %10.3f s %7.2fx" % (label, one, many, one / many), flush=True)
    normalize.WORKERS = default


if __name__ == "__main__":
    main()
