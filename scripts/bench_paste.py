#!/usr/bin/env python3
"""Pasted numbers (issue 18): POST /parse-manual-numbers with N pasted numbers, end to end (the whole JSON answer
read), for a baseline revision and this tree, each on its own real sidecar, in the same run; plus the engine alone
(extract_text) in-process for this tree.

    .venv/bin/python scripts/bench_paste.py [--numbers 100000] [--repeat 5] [--baseline-ref aee73a1]

The paste is what people paste: one number per line in the usual ways of writing them (plain digits, +91 and a
space, a dash, an area code in brackets), and one line in five with a name beside the number ('Ravi: 98…'), which
takes the line-by-line scan. Figures are best and median of --repeat, alternating baseline and this tree.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(REPO, "scripts"), os.path.join(REPO, "python-backend")]
from bench_memory import baseline_checkout  # noqa: E402  (the same temporary worktree of the baseline)
from bench_readers import start_sidecar  # noqa: E402  (the same sidecar start as the upload benchmark)

NAMED_SHARE = 5  # one line in this many has a name beside its number


def pasted_text(count, seed=18):
    """COUNT pasted numbers, one per line, written in the usual ways."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        number = "9%d%08d" % (rng.randint(6, 9), rng.randint(0, 99999999))
        styles = [number, "+91 %s %s" % (number[:5], number[5:]), "%s-%s" % (number[:5], number[5:]),
                  "(080) %s" % number[2:], "Ravi %d: %s" % (i % 97, number)]
        lines.append(styles[i % NAMED_SHARE])
    return "\n".join(lines)


def timed_paste(url, text):
    """Seconds for POST /parse-manual-numbers of TEXT (region IN), the whole answer read; and the valid count."""
    started = time.perf_counter()
    answer = requests.post(url + "/parse-manual-numbers", json={"numbers": text, "default_region": "IN"},
                           timeout=600)
    body = answer.json()
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed, body["summary"]["valid"]


def engine_seconds(text, repeat):
    """Best seconds of this tree's extract_text on TEXT, in-process."""
    from contacts.extract import extract_text
    extract_text(text, "IN")  # warm: imports and metadata
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        extract_text(text, "IN")
        times.append(time.perf_counter() - started)
    return min(times)


def main():
    """Time both sidecars, alternating, and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-ref", default="aee73a1", help="git revision measured as the baseline")
    args = parser.parse_args()
    text = pasted_text(args.numbers)
    baseline = baseline_checkout(args.baseline_ref)
    homes, procs, urls = [], {}, {}
    try:
        for side, tree in (("baseline", baseline), ("this tree", REPO)):
            homes.append(tempfile.mkdtemp(prefix="bulkmsg-bench-paste-"))
            procs[side], urls[side] = start_sidecar(tree, homes[-1])
            timed_paste(urls[side], text)  # warm
        times, valid = {side: [] for side in urls}, {}
        for _ in range(args.repeat):
            for side, url in urls.items():
                seconds, valid[side] = timed_paste(url, text)
                times[side].append(seconds)
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=60)
        subprocess.run(["git", "-C", REPO, "worktree", "remove", "--force", baseline], check=False)
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
    print("POST /parse-manual-numbers, %d pasted numbers   best / median      valid" % args.numbers)
    for side in urls:
        print("%-10s %34.3f / %.3f s %9d" % (side, min(times[side]), statistics.median(times[side]), valid[side]))
    ratio = statistics.median(times["baseline"]) / statistics.median(times["this tree"])
    print("this tree is %.1fx faster (medians, same run); target: <= 0.4 s" % ratio)
    print("engine alone (extract_text, this tree, best of %d): %.3f s" % (args.repeat, engine_seconds(text, args.repeat)))


if __name__ == "__main__":
    sys.exit(main())
