"""Sidecar memory under imports (issue 16): peak and settled RSS of the whole process tree, this tree beside a baseline.

    .venv/bin/python scripts/bench_memory.py [--baseline-ref 5fbf622] [--rows 1000000] [--small-rows 10000]
    .venv/bin/python scripts/bench_memory.py --only "two XLSX" --compare-with DIR   # the workbook path (issue 18)

Three scenarios, each on a fresh sidecar with a fresh data directory, run for the baseline checkout (a temporary
git worktree of --baseline-ref, or --compare-with DIR) and then for this tree:
  1. one 10k-row import, then one 1M-row import;
  2. five 1M-row imports in a row;
  3. two imports of the --xlsx-rows workbook (100,000 rows; no target of its own: it must not grow).
Uploads go as the UI sends them (`POST /upload?limit=0`, region IN). Memory is the sum of VmRSS over the sidecar
and every process it started (a parsing worker counts), sampled every 20 ms: "peak" is the highest sum seen,
"settled" the sum 5 s after the last import. The targets (issue 16): peak ≤ 700 MB after 10k + 1M, ≤ 800 MB after
five 1M imports. Inputs come from scripts/gen_contacts.py (seed 7), cached in .bench/.
"""
import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import gen_contacts  # noqa: E402  (the project's own generator)
from bench_readers import start_sidecar  # noqa: E402  (the same sidecar start as the upload benchmark)

CACHE = os.path.join(REPO, ".bench")
SAMPLE_S = 0.02
SETTLE_S = 5
MB = 1024 * 1024
TARGETS_MB = {"10k + 1M": 700, "five 1M": 800}


def tree_pids(root):
    """ROOT and all its descendants, from /proc."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def tree_rss(root):
    """Bytes of resident memory of ROOT's process tree."""
    total = 0
    for pid in tree_pids(root):
        try:
            with open("/proc/%d/status" % pid) as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total


class PeakSampler(threading.Thread):
    """Samples the tree's RSS in the background; `peak` is the highest seen."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        """Sample until stopped."""
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(SAMPLE_S)

    def stop(self):
        """Stop sampling; the peak."""
        self.running = False
        self.join()
        return self.peak


def upload(url, path):
    """POST /upload?limit=0 of PATH, as the UI sends it."""
    with open(path, "rb") as handle:
        answer = requests.post(url + "/upload?limit=0", files={"file": (os.path.basename(path), handle)},
                               data={"default_region": "IN"}, timeout=1200)
    answer.raise_for_status()


def scenario(tree, files):
    """(peak, settled) bytes of a fresh sidecar of TREE importing FILES in order."""
    home = tempfile.mkdtemp(prefix="bulkmsg-bench-memory-")
    proc, url = start_sidecar(tree, home)
    try:
        sampler = PeakSampler(proc.pid)
        sampler.start()
        for path in files:
            upload(url, path)
        time.sleep(SETTLE_S)
        settled = tree_rss(proc.pid)
        return sampler.stop(), settled
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def baseline_checkout(ref):
    """A temporary git worktree of REF (removed by the caller)."""
    where = tempfile.mkdtemp(prefix="bulkmsg-baseline-")
    subprocess.run(["git", "-C", REPO, "worktree", "add", "--detach", "--force", where, ref], check=True,
                   stdout=subprocess.DEVNULL)
    return where


def remove_checkout(where):
    """Remove the worktree baseline_checkout made at WHERE (quietly, whatever state it is in)."""
    subprocess.run(["git", "-C", REPO, "worktree", "remove", "--force", where], check=False)


@contextlib.contextmanager
def baseline_worktree(ref):
    """A temporary git worktree of REF for the block, removed whatever happens."""
    where = baseline_checkout(ref)
    try:
        yield where
    finally:
        remove_checkout(where)


def baseline_then_tree(ref, measure):
    """(MEASURE(a temporary worktree of REF), MEASURE(this tree)); the worktree is removed whatever happens."""
    with baseline_worktree(ref) as made:
        old = measure(made)
    return old, measure(REPO)


def same_run_arguments(doc, baseline_ref, rows=100_000, repeats=5):
    """The command line of a benchmark that measures a baseline and this tree in one run: --rows, --repeats and
    --baseline-ref, with these defaults and DOC as its help."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--baseline-ref", default=baseline_ref, help="git revision measured as the baseline")
    return parser.parse_args()


@contextlib.contextmanager
def running_sidecar(tree, rate_limits):
    """(process, url) of a real sidecar of TREE (bench_readers.start_sidecar) with a fresh data directory, both
    gone after."""
    home = tempfile.mkdtemp(prefix="bulkmsg-bench-")
    proc, url = start_sidecar(tree, home, rate_limits)
    try:
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def sidecar_of(tree, rate_limits):
    """The url of running_sidecar(TREE, RATE_LIMITS)."""
    with running_sidecar(tree, rate_limits) as (_proc, url):
        yield url


def main():
    """Run both scenarios for the baseline and this tree; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--baseline-ref", default="5fbf622", help="git revision measured as the baseline")
    parser.add_argument("--compare-with", metavar="DIR", help="a checkout to use as the baseline instead")
    parser.add_argument("--no-baseline", action="store_true", help="measure this tree only (quick iterations)")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--only", choices=("10k + 1M", "five 1M", "two XLSX"), help="run one scenario")
    args = parser.parse_args()
    lists = {"big": (args.rows, "csv"), "small": (args.small_rows, "csv"), "workbook": (args.xlsx_rows, "xlsx")}
    inputs = {"10k + 1M": ["small", "big"], "five 1M": ["big"] * 5, "two XLSX": ["workbook"] * 2}
    # Only the inputs of the scenarios asked for are made (the 1M-row list takes a while to generate).
    scenarios = {name: [gen_contacts.cached(CACHE, lists[key][0], "IN", lists[key][1], 7)[0] for key in keys]
                 for name, keys in inputs.items() if args.only in (None, name)}
    made = None if args.compare_with or args.no_baseline else baseline_checkout(args.baseline_ref)
    sides = [("this tree", REPO)]
    if not args.no_baseline:
        sides.insert(0, ("baseline", os.path.abspath(args.compare_with) if args.compare_with else made))
    try:
        results = {(side, name): scenario(tree, files) for side, tree in sides for name, files in scenarios.items()}
    finally:
        if made:
            remove_checkout(made)
    print("sidecar memory, whole process tree (MB)   baseline peak / settled   this tree peak / settled   target")
    for name in scenarios:
        old_peak, old_settled = results.get(("baseline", name), (float("nan"), float("nan")))
        new_peak, new_settled = results[("this tree", name)]
        target = TARGETS_MB.get(name)
        verdict = "peak ≤ %d  %s" % (target, "met" if new_peak / MB <= target else "NOT met") if target else "-"
        print("%-40s %7.0f / %7.0f       %7.0f / %7.0f        %s"
              % (name + " imports", old_peak / MB, old_settled / MB, new_peak / MB, new_settled / MB, verdict))


if __name__ == "__main__":
    main()
