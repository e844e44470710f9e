#!/usr/bin/env python3
"""Pasted numbers (issue 18): POST /parse-manual-numbers with N pasted numbers, end to end (the whole JSON answer
read), for a baseline revision and this tree, each on its own real sidecar, in the same run: the full answer and the
UI's own request (?limit=0, the rows paged afterwards), each to the last byte and parsed by the client; beside
them the floor, a bare Flask echo (bench_echo.py) of the same request and the same full answer; then this
tree's stages in-process, and the issue's differential over every value (mismatches must be 0).

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
from bench_memory import baseline_checkout, remove_checkout  # noqa: E402  (the same temporary worktree of the baseline)
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


def timed_post(url, text):
    """(seconds to the answer's last byte, seconds once requests has parsed it, the valid count) of a POST to URL
    of the pasted TEXT (region IN), as the UI sends it."""
    started = time.perf_counter()
    answer = requests.post(url, json={"numbers": text, "default_region": "IN"}, timeout=600)
    received = time.perf_counter() - started
    body = answer.json()
    parsed = time.perf_counter() - started
    answer.raise_for_status()
    return received, parsed, body["summary"]["valid"]


# What is timed: (side, request kind, path and query); the echo answers the full answer of this tree.
RUNS = [(side, kind, query) for side in ("baseline", "this tree")
        for kind, query in (("full answer", "/parse-manual-numbers"),
                            ("?limit=0 (the UI's request)", "/parse-manual-numbers?limit=0"))]
RUNS.append(("echo", "bare echo, same full answer", "/echo"))
# Between requests, as between two pastes of a person: the sidecar gives a heavy request's freed memory back a
# moment after its answer has gone out (core.memory.DeferredRelease, ~0.1 s of garbage collection); a heavy
# request arriving before that runs the release first and pays for it.
PAUSE_S = 0.3


def start_echo(answer_path):
    """(process, url) of bench_echo.py answering with the bytes of ANSWER_PATH on a free loopback port."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "scripts", "bench_echo.py"), str(port), answer_path])
    url = "http://127.0.0.1:%d" % port
    for _ in range(300):
        try:
            requests.get(url + "/health", timeout=1)
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("the echo server did not start")


def best_of(repeat, work):
    """(best seconds of REPEAT runs of WORK, its last answer)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = work()
        times.append(time.perf_counter() - started)
    return min(times), answer


def in_process(text, repeat):
    """This tree's stages in-process, best of REPEAT, and the differential (the issue's rule: every value the
    import normalised, read again by phonenumbers itself, must give the same number and reason)."""
    from contacts.extract import extract_text
    from contacts.freetext import find_number_columns
    from contacts.report import result_json
    from bench_differential import differential
    extract_text(text, "IN")  # warm: imports and metadata
    find_s, _ = best_of(repeat, lambda: find_number_columns(text))
    extract_s, result = best_of(repeat, lambda: extract_text(text, "IN"))
    json_s, _ = best_of(repeat, lambda: result_json(result, "imp", "request"))
    entries = result.entries
    answers = {"e164": entries["number"], "reason": entries["reason"]}
    mismatches = differential(entries["value"].tolist(), answers, "IN")
    return [("finding the numbers (find_number_columns)", find_s),
            ("normalising and de-duplicating (rest of extract_text)", extract_s - find_s),
            ("the JSON answer (result_json)", json_s)], mismatches, len(entries)


def measure(urls, text, repeat):
    """Per (side, request kind), the (received, parsed) seconds of REPEAT rounds, alternating; each valid count."""
    times, valid = {(side, kind): [] for side, kind, _ in RUNS}, {}
    for _ in range(repeat):
        for side, kind, query in RUNS:
            time.sleep(PAUSE_S)
            received, parsed, valid[side] = timed_post(urls[side] + query, text)
            times[side, kind].append((received, parsed))
    return times, valid


def print_table(times, valid, numbers):
    """The same-run table: best / median to the last byte, and with requests' JSON parse."""
    print("POST /parse-manual-numbers, %d pasted numbers, seconds, best / median: to the last byte | parsed"
          % numbers)
    for (side, kind), pairs in times.items():
        received, parsed = [p[0] for p in pairs], [p[1] for p in pairs]
        print("%-10s %-28s %.3f / %.3f | %.3f / %.3f   valid %d" % (
            side, kind, min(received), statistics.median(received), min(parsed), statistics.median(parsed),
            valid[side]))
    for kind in ("full answer", "?limit=0 (the UI's request)"):
        ratio = statistics.median(p[1] for p in times["baseline", kind]) / \
            statistics.median(p[1] for p in times["this tree", kind])
        print("%s: this tree is %.1fx faster (medians, parsed, same run); target: <= 0.4 s" % (kind, ratio))


def main():
    """Time both sidecars and the echo floor, alternating, and print the table, the stages and the differential."""
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
            timed_post(urls[side] + "/parse-manual-numbers", text)  # warm
        answer_path = os.path.join(homes[-1], "answer.json")
        with open(answer_path, "wb") as handle:
            handle.write(requests.post(urls["this tree"] + "/parse-manual-numbers",
                                       json={"numbers": text, "default_region": "IN"}, timeout=600).content)
        procs["echo"], urls["echo"] = start_echo(answer_path)
        times, valid = measure(urls, text, args.repeat)
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=60)
        remove_checkout(baseline)
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
    print_table(times, valid, args.numbers)
    stages, mismatches, entries = in_process(text, args.repeat)
    for label, seconds in stages:
        print("in-process, this tree, best of %d: %-55s %.3f s" % (args.repeat, label, seconds))
    print("differential mismatches (fast path vs phonenumbers, all %d values): %d" % (entries, mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
