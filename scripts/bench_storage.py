"""Start-up cost of the messaging store's migrations: sidecar time-to-healthy and import time.

    .venv/bin/python scripts/bench_storage.py [--runs 5] [--baseline-ref HEAD]

Measures the source sidecar (`python python-backend/app.py`) from spawn to a healthy /health, on a new data
directory (the schema is created) and on one already at the latest schema (the usual start), and the import
time of SQLAlchemy/Alembic in each case (`python -X importtime`). With --baseline-ref, the same figures for
that git revision's python-backend (extracted read-only with `git archive` into a temp folder) are printed
beside them, measured in the same run, because timings on a shared machine only compare within one run.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BACKEND = os.path.join(REPO, "python-backend")
PYTHON = os.path.join(REPO, ".venv", "bin", "python")
HEAVY = ("sqlalchemy", "alembic", "mako")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_startup  # noqa: E402  (one spawn-and-poll measure for both start-up benchmarks)


def time_to_healthy(backend, data_dir):
    """Seconds from spawning BACKEND's app.py on DATA_DIR to a healthy /health (bench_startup's measure)."""
    return bench_startup.time_to_healthy([python(), os.path.join(backend, "app.py")], data_dir)


def python():
    """The venv's interpreter when there is one."""
    return PYTHON if os.path.exists(PYTHON) else sys.executable


def startup_times(backend, runs):
    """(new data dir medians, existing data dir medians) in seconds over RUNS start-ups each."""
    fresh, existing = [], []
    with tempfile.TemporaryDirectory() as root:
        warm = os.path.join(root, "warm")
        time_to_healthy(backend, warm)  # page cache warm-up, and creates the 'existing' data directory
        for i in range(runs):
            fresh.append(time_to_healthy(backend, os.path.join(root, "fresh%d" % i)))
            existing.append(time_to_healthy(backend, warm))
    return statistics.median(fresh), statistics.median(existing)


def import_cost(backend, data_dir):
    """(total import µs of SQLAlchemy/Alembic/Mako, open_store wall ms) when opening the store in DATA_DIR."""
    code = ("import sys, time; sys.path.insert(0, %r); from messaging import db; t = time.perf_counter(); "
            "db.open_store(%r).close(); print('OPEN_MS', (time.perf_counter() - t) * 1000)" % (backend, data_dir))
    done = subprocess.run([python(), "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    heavy_us = 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip().split(".")[0] in HEAVY:
            heavy_us += int(parts[0].split(":")[1])
    open_ms = float(done.stdout.split("OPEN_MS")[1])
    return heavy_us, open_ms


def import_figures(backend):
    """Import cost on a new store and on one already at the latest schema."""
    with tempfile.TemporaryDirectory() as root:
        new = import_cost(backend, root)
        existing = import_cost(backend, root)
    return new, existing


def extract(ref, into):
    """python-backend as of git REF, in INTO (read-only use of git; the work tree is untouched)."""
    archive = subprocess.run(["git", "-C", REPO, "archive", ref, "python-backend"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return os.path.join(into, "python-backend")


def report(label, backend, runs):
    """Print one code version's figures."""
    (new_heavy, new_open), (old_heavy, old_open) = import_figures(backend)
    fresh, existing = startup_times(backend, runs)
    print("%-10s time-to-healthy: new data dir %5.2f s, existing %5.2f s | open_store new %6.1f ms "
          "(SQLAlchemy/Alembic imports %5.1f ms), existing %6.1f ms (imports %5.1f ms)"
          % (label, fresh, existing, new_open, new_heavy / 1000, old_open, old_heavy / 1000), flush=True)


def main():
    """Measure and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline-ref", help="a git revision whose python-backend is measured as the baseline")
    args = ap.parse_args()
    print("Sidecar start-up with the messaging store (median of %d runs each, warm page cache)" % args.runs)
    if args.baseline_ref:
        root = tempfile.mkdtemp(prefix="bench-storage-")
        try:
            report("baseline", extract(args.baseline_ref, root), args.runs)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    report("current", BACKEND, args.runs)


if __name__ == "__main__":
    main()
