#!/usr/bin/env python3
"""What keeping every valid number costs: the import engine on the same contacts with one phone column and
with three (Mobile, Home, Work), for a baseline revision (which kept only the first non-empty cell) and this tree,
measured in the same run.

    .venv/bin/python scripts/bench_alternates.py [--rows 1000000] [--repeat 3] [--baseline-ref 02e1041]

Each figure is the best of --repeat imports in a fresh process per tree (the machine is shared); inputs are
cached in .bench/ (git-ignored).
"""
import argparse
import json
import os
import random
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from bench_memory import baseline_worktree  # noqa: E402  (the same temporary worktree of the baseline)

CACHE = os.path.join(REPO, ".bench")
TIMER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from contacts.extract import extract_file
best = {}
for path in sys.argv[3:]:
    times = []
    for _ in range(int(sys.argv[2])):
        started = time.perf_counter()
        result = extract_file(path, "US")
        times.append(time.perf_counter() - started)
    kept = int((result.entries["alternates"] != "").sum()) if "alternates" in result.entries else 0
    best[path] = [min(times), result.summary()["valid"], kept]
print(json.dumps(best))
"""


def write_inputs(rows):
    """(one-column CSV, three-column CSV) of the same ROWS contacts: every mobile, half with a home number, a
    fifth with a work number, some cells that hold no valid number."""
    os.makedirs(CACHE, exist_ok=True)
    one, three = (os.path.join(CACHE, "alternates-%d-%s.csv" % (rows, kind)) for kind in ("one", "three"))
    if os.path.exists(one) and os.path.exists(three):
        return one, three
    rng = random.Random(20261204)
    with open(one, "w") as single, open(three, "w") as triple:
        single.write("Name,Mobile\n")
        triple.write("Name,Mobile,Home phone,Work phone\n")
        for i in range(rows):
            mobile = "+1 415 %03d %04d" % (rng.randint(200, 999), rng.randint(0, 9999))
            home = "(415) %03d-%04d" % (rng.randint(200, 999), rng.randint(0, 9999)) if i % 2 else ""
            work = "12" if i % 7 == 0 else ("+44 20 7946 %04d" % rng.randint(0, 9999) if i % 5 == 0 else "")
            single.write("P%d,%s\n" % (i, mobile))
            triple.write("P%d,%s,%s,%s\n" % (i, mobile, home, work))
    return one, three


def timed(tree, repeat, files):
    """{path: [best seconds, valid, rows with alternates]} from a fresh process running TREE's engine."""
    python = os.path.join(REPO, ".venv", "bin", "python")
    out = subprocess.run([python, "-c", TIMER, os.path.join(tree, "python-backend"), str(repeat), *files],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    """Time both files for the baseline and this tree; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-ref", default="02e1041", help="git revision measured as the baseline")
    args = parser.parse_args()
    files = write_inputs(args.rows)
    with baseline_worktree(args.baseline_ref) as baseline:
        results = {"baseline": timed(baseline, args.repeat, files), "this tree": timed(REPO, args.repeat, files)}
    print("import engine, %d rows (best of %d)      seconds   valid   rows with alternates" % (args.rows, args.repeat))
    for side, by_file in results.items():
        for path, label in zip(files, ("one phone column", "three phone columns")):
            seconds, valid, kept = by_file[path]
            print("%-10s %-28s %7.2f %9d %10d" % (side, label, seconds, valid, kept))
    base, this = results["baseline"], results["this tree"]
    print("three / one columns: baseline %.2fx, this tree %.2fx"
          % (base[files[1]][0] / base[files[0]][0], this[files[1]][0] / this[files[0]][0]))


if __name__ == "__main__":
    sys.exit(main())
