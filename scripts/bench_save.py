"""Saving an import to the history (`ImportHistory.save`), alone and beside a busy Python thread, this tree beside
a baseline in the same run.

    .venv/bin/python scripts/bench_save.py [--baseline-ref 73e3a3d] [--rows 1000000] [--repeats 5]

`POST /upload` saves the import in a second thread while the request's thread encodes the start of the answer, so
the save shares the GIL with Python work. Each checkout imports the cached 1M-row CSV (scripts/gen_contacts.py,
seed 7, region IN) once in a child process of its own, then saves it REPEATS times alone and REPEATS times while
another thread runs a pure-Python loop; the checkouts' child processes alternate. Printed: the median of each,
and how far the busy thread got (ticks per second of the save; it runs ~4M/s on its own).
"""
import os
import statistics
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from bench_memory import baseline_worktree, same_run_arguments  # noqa: E402
from bench_readers import contact_csv  # noqa: E402

# Run inside each checkout's python-backend: import the CSV, then time the saves (one line of figures per save).
CHILD = r"""
import os, shutil, sys, tempfile, threading, time
from contacts.extract import extract_workbook
from contacts.history import ImportHistory
from contacts.readers import read_file

path, repeats = sys.argv[1], int(sys.argv[2])
workbook = read_file(path, os.path.basename(path))
result = extract_workbook(workbook, "IN")

def timed_save(history, name, busy):
    stop, ticks = threading.Event(), [0]
    def spin():
        while not stop.is_set():
            ticks[0] += 1
    spinner = threading.Thread(target=spin)
    started = time.perf_counter()
    if busy:
        spinner.start()
    history.save(name, result, workbook, {"default_region": "IN"})
    took = time.perf_counter() - started
    stop.set()
    if busy:
        spinner.join()
    return took, ticks[0] / took

root = tempfile.mkdtemp(prefix="bench-save-")
try:
    history = ImportHistory(root)
    for i in range(repeats):
        alone, _ = timed_save(history, "alone%d" % i, False)
        busy, rate = timed_save(history, "busy%d" % i, True)
        print(alone, busy, rate, flush=True)
finally:
    shutil.rmtree(root)
"""


def measure(tree, csv, repeats):
    """[(alone s, beside a busy thread s, busy ticks/s)] of REPEATS saves by the checkout TREE."""
    done = subprocess.run([sys.executable, "-c", CHILD, csv, str(repeats)], cwd=os.path.join(tree, "python-backend"),
                          check=True, capture_output=True, text=True)
    return [tuple(map(float, line.split())) for line in done.stdout.split("\n") if line.strip()]


def main():
    """Measure the baseline and this tree, alternating, and print the medians side by side."""
    args = same_run_arguments(__doc__, "73e3a3d", rows=1_000_000, repeats=5)
    csv = contact_csv(args.rows, None)
    runs = {"baseline": [], "this tree": []}
    with baseline_worktree(args.baseline_ref) as base:
        for _ in range(2):  # two child processes per checkout, alternating
            runs["baseline"] += measure(base, csv, args.repeats)
            runs["this tree"] += measure(REPO, csv, args.repeats)
    print("ImportHistory.save of a %d-row CSV import, median of %d   alone   beside a busy thread   busy ticks/s"
          % (args.rows, 2 * args.repeats))
    for side, figures in runs.items():
        alone, busy, rate = (statistics.median(column) for column in zip(*figures))
        name = args.baseline_ref if side == "baseline" else "working tree"
        print("  %-10s (%-12s)  %8.3f s  %10.3f s  %14.0f" % (side, name, alone, busy, rate))


if __name__ == "__main__":
    main()
