"""Issue 18, round 2: the exports of a 100k import over HTTP, this tree beside a baseline.

    .venv/bin/python scripts/bench_exports.py [--baseline-ref cacc117] [--rows 100000] [--repeats 5]

For each side (a temporary git worktree of --baseline-ref, then this tree) a real sidecar starts on a free loopback
port with a fresh data directory and imports a generated file (scripts/gen_contacts.py, region IN, seed 7, cached in
.bench/) by POST /upload?limit=0; then every export the endpoint offers (GET /imports/<id>/export: the contacts as
CSV, XLSX and vCard, the rejects as CSV and XLSX) is timed end to end, the whole body read, REPEATS times each. It
prints best and median per side, the ratio baseline / this tree (medians) and the size of each side's file.
"""
import os
import statistics
import sys

import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import gen_contacts  # noqa: E402  (the project's own generator)
from bench_lists import CACHE, timed, upload  # noqa: E402  (the same cache, timing and upload as the lists bench)
from bench_memory import baseline_then_tree, same_run_arguments, sidecar_of  # noqa: E402  (shared with the others)

# Rate limits lifted so that repeats are not refused (the groups the timed endpoints use).
RATE_LIMITS = "upload=100000/60,export=100000/60"
EXPORTS = [("contacts", "csv"), ("contacts", "xlsx"), ("contacts", "vcf"), ("rejects", "csv"), ("rejects", "xlsx")]


def measure(tree, path, repeats):
    """({export: [seconds, ...]}, {export: bytes}) for a fresh sidecar of TREE with PATH imported once."""
    times, sizes = {}, {}
    with sidecar_of(tree, RATE_LIMITS) as url:
        _, answer = timed(lambda: upload(url, path))
        export_url = "%s/imports/%s/export" % (url, answer.json()["import_id"])
        for what, fmt in EXPORTS:
            name = "%s %s" % (what, fmt)
            for _ in range(repeats):
                seconds, answer = timed(lambda: requests.get(export_url, params={"what": what, "format": fmt},
                                                             timeout=600))
                times.setdefault(name, []).append(seconds)
                sizes[name] = len(answer.content)
    return times, sizes


def main():
    """Measure the baseline and this tree; print the table."""
    args = same_run_arguments(__doc__, "cacc117")
    path = gen_contacts.cached(CACHE, args.rows, "IN", "csv", 7)[0]
    (old, old_sizes), (new, new_sizes) = baseline_then_tree(args.baseline_ref,
                                                            lambda tree: measure(tree, path, args.repeats))
    print("%d-row import, %d repeats; GET /imports/<id>/export end to end, seconds best / median"
          % (args.rows, args.repeats))
    print("%-14s %18s %18s %7s %20s" % ("export", args.baseline_ref, "this tree", "ratio", "bytes (baseline)"))
    for name in new:
        print("%-14s %8.3f / %7.3f %8.3f / %7.3f %6.1fx %9d (%d)" % (
            name, min(old[name]), statistics.median(old[name]), min(new[name]), statistics.median(new[name]),
            statistics.median(old[name]) / statistics.median(new[name]), new_sizes[name], old_sizes[name]))


if __name__ == "__main__":
    main()
