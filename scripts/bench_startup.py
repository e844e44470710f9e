"""Start-up benchmark of the frozen sidecar: time from spawn to a healthy /health, and the bundle's size.

    .venv/bin/python scripts/bench_startup.py [--runs 5] [--binary PATH] [--onefile PATH]

Builds nothing: run scripts/build-sidecar first. Prints the frozen binary's median beside a baseline
measured in the same run (the source sidecar, `python python-backend/app.py`), because timings on a
shared machine are only comparable within one run. --onefile adds a one-file build for comparison.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "python"))
from support.sidecar import free_port  # noqa: E402  (the tests' harness picks ports the same way)

BUNDLE = os.path.join(REPO, "build", "sidecar-dist", "bulkmsg-sidecar")
BINARY = os.path.join(BUNDLE, "bulkmsg-sidecar.exe" if os.name == "nt" else "bulkmsg-sidecar")
PYTHON = os.path.join(REPO, ".venv", "bin", "python")
SOURCE_ENTRY = os.path.join(REPO, "python-backend", "app.py")
TARGET_S = 1.0      # issue 18: <= 1.0 s, or <= 1.2x the source sidecar measured in the same run
TARGET_RATIO = 1.2
POLL_S = 0.02
TIMEOUT_S = 60


def healthy(url):
    """Whether GET url answers 200 with our service name."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200 and b"bulkmsg-sidecar" in response.read()
    except OSError:
        return False


def time_to_healthy(command, data_dir=None):
    """Seconds from spawning COMMAND (plus host/port/data-dir) to a healthy /health; the process is then stopped.

    DATA_DIR: the data directory to start on (kept); None starts on a fresh temporary one."""
    if data_dir is None:
        with tempfile.TemporaryDirectory() as fresh:
            return time_to_healthy(command, fresh)
    port = free_port()
    args = command + ["--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while not healthy("http://127.0.0.1:%d/health" % port):
            if proc.poll() is not None:
                raise SystemExit("%s exited with %s before it was healthy" % (command[-1], proc.returncode))
            if time.perf_counter() - started > TIMEOUT_S:
                raise SystemExit("%s not healthy after %d s" % (command[-1], TIMEOUT_S))
            time.sleep(POLL_S)
        return time.perf_counter() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def folder_size(path):
    """Total bytes and number of files under PATH (or of the single file PATH)."""
    if os.path.isfile(path):
        return os.path.getsize(path), 1
    sizes = [os.lstat(os.path.join(root, name)).st_size for root, _, names in os.walk(path) for name in names]
    return sum(sizes), len(sizes)


def measure(label, command, runs, data_dir=None):
    """Median, min and max of RUNS start-ups, after one unmeasured warm-up (page cache). DATA_DIR: start every run
    on that data directory (an everyday start: the store exists and is at the current schema); None: each run on a
    fresh one (the first start after installing, which creates the store)."""
    time_to_healthy(command, data_dir)
    times = [time_to_healthy(command, data_dir) for _ in range(runs)]
    print("%-34s median %5.2f s   min %5.2f s   max %5.2f s   (n=%d)"
          % (label, statistics.median(times), min(times), max(times), runs), flush=True)
    return statistics.median(times)


def main():
    """Measure and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--binary", default=BINARY, help="the one-folder build's executable")
    ap.add_argument("--onefile", help="a one-file build to compare (optional)")
    args = ap.parse_args()
    if not os.path.isfile(args.binary):
        raise SystemExit("no frozen build at %s: run scripts/build-sidecar first" % args.binary)

    print("Frozen sidecar start-up: spawn -> healthy /health (warm page cache, %d runs each)" % args.runs)
    source = [PYTHON if os.path.exists(PYTHON) else sys.executable, SOURCE_ENTRY]
    with tempfile.TemporaryDirectory() as everyday:
        for data_dir, kind in ((None, "first start (new data folder)"), (everyday, "everyday start (existing data)")):
            print("-- %s" % kind)
            baseline = measure("baseline: python app.py (source)", source, args.runs, data_dir)
            frozen = measure("frozen one-folder binary", [args.binary], args.runs, data_dir)
            if args.onefile:
                measure("frozen one-file binary", [args.onefile], args.runs, data_dir)
            met = frozen <= TARGET_S or frozen <= TARGET_RATIO * baseline
            print("frozen / source start-up ratio     %.2f   target <= %.1f s or <= %.1fx: %s"
                  % (frozen / baseline, TARGET_S, TARGET_RATIO, "met" if met else "NOT met"))
    size, files = folder_size(os.path.dirname(args.binary))
    print("one-folder bundle size            %.1f MB in %d files" % (size / 1e6, files))
    if args.onefile:
        print("one-file binary size              %.1f MB" % (folder_size(args.onefile)[0] / 1e6))


if __name__ == "__main__":
    main()
