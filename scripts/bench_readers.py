#!/usr/bin/env python3
"""Benchmark the contact-file readers against plain-library baselines, measured in the same run.

    .venv/bin/python scripts/bench_readers.py [--rows 1000000] [--xlsx-rows 100000] [--repeat 3] [--generator PATH]

Inputs are made once with scripts/gen_contacts.py (CSV; --generator: another script with its command line) and
cached in .bench/ (git-ignored); the xlsx and xls are written from the same rows. Each figure is the best of
--repeat runs (the machine is shared).
"""
import argparse
import csv
import os
import subprocess
import sys
import time

import openpyxl
import pandas as pd
import python_calamine
import requests
import xlrd
import xlwt

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(REPO, "python-backend"), os.path.join(REPO, "scripts")]
import gen_contacts  # noqa: E402
from contacts.freetext import find_numbers_in_text  # noqa: E402
from contacts.readers import read_file  # noqa: E402

CACHE = os.path.join(REPO, ".bench")
XLS_MAX_ROWS = 65_535


def best_of(repeat, func):
    """The fastest of REPEAT runs of FUNC, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def contact_csv(rows, generator):
    """The cached generated CSV of ROWS rows (made on first use)."""
    return gen_contacts.cached(CACHE, rows, "IN", "csv", 7, generator)[0]


def head_rows(path, count):
    """The first COUNT data rows of a CSV (header included first)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        return [row for _, row in zip(range(count + 1), reader)]


def cached_xlsx(rows, source):
    """An xlsx of the first ROWS rows of SOURCE, with the phone column stored as numbers where it is digits."""
    path = "%s-first%d.xlsx" % (os.path.splitext(source)[0], rows)
    if not os.path.exists(path):
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Contacts")
        for row in head_rows(source, rows):
            sheet.append([int(c) if c.isdigit() and len(c) < 16 else c for c in row])
        book.save(path)
    return path


def cached_xls(rows, source):
    """An xls of the first ROWS rows of SOURCE."""
    path = "%s-first%d.xls" % (os.path.splitext(source)[0], rows)
    if not os.path.exists(path):
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Contacts")
        for r, row in enumerate(head_rows(source, rows)):
            for c, value in enumerate(row):
                sheet.write(r, c, int(value) if value.isdigit() and len(value) < 16 else value)
        book.save(path)
    return path


def pandas_c_engine(path):
    """Baseline: pandas' C parser, everything as text."""
    return pd.read_csv(path, engine="c", dtype=str, header=None, keep_default_na=False, na_filter=False)


def openpyxl_rows(path):
    """Baseline: openpyxl in read-only mode."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def calamine_rows(path):
    """The floor: python-calamine alone, no safety checks and no conversion to text."""
    book = python_calamine.CalamineWorkbook.from_path(path)
    return book.get_sheet_by_index(0).to_python(skip_empty_area=False)


def xlrd_rows(path):
    """Baseline: xlrd."""
    sheet = xlrd.open_workbook(path).sheet_by_index(0)
    return [sheet.row_values(i) for i in range(sheet.nrows)]


def report(label, ours, baseline, baseline_label):
    """One line: our time, the baseline's, and the ratio."""
    print("%-34s %7.3f s   %-26s %7.3f s   x%.1f" % (label, ours, baseline_label, baseline, baseline / ours))


def start_sidecar(tree, home, rate_limits="upload=100000/60"):
    """A real sidecar of checkout TREE on a free loopback port, data and temp under HOME, with RATE_LIMITS lifted so
    repeats are not refused: (process, url)."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    temp = os.path.join(home, "tmp")
    os.makedirs(temp, exist_ok=True)
    env = dict(os.environ, TMPDIR=temp, BULKMSG_RATE_LIMITS=rate_limits)
    proc = subprocess.Popen([sys.executable, os.path.join(tree, "python-backend", "app.py"), "--host", "127.0.0.1",
                             "--port", str(port), "--data-dir", os.path.join(home, "data")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    for _ in range(600):
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("sidecar of %s did not start" % tree)


def timed_upload(url, path):
    """Seconds for POST /upload of PATH (region IN), the whole response read."""
    started = time.perf_counter()
    with open(path, "rb") as handle:
        answer = requests.post(url + "/upload", files={"file": (os.path.basename(path), handle)},
                               data={"default_region": "IN"}, timeout=600)
    answer.raise_for_status()
    return time.perf_counter() - started


def compare_uploads(baseline_tree, files, repeat):
    """Time uploads of FILES on this tree's sidecar and on BASELINE_TREE's, alternating; print best and median."""
    import statistics
    import tempfile
    homes = [tempfile.mkdtemp(prefix="bulkmsg-bench-") for _ in range(2)]
    sides = {"baseline": start_sidecar(baseline_tree, homes[0]), "this tree": start_sidecar(REPO, homes[1])}
    times = {(side, path): [] for side in sides for path in files}
    try:
        for round_number in range(repeat + 1):  # round 0 warms both up and is not counted
            order = list(sides) if round_number % 2 else list(reversed(list(sides)))
            for path in files:
                for side in order:
                    elapsed = timed_upload(sides[side][1], path)
                    if round_number:
                        times[(side, path)].append(elapsed)
    finally:
        for proc, _ in sides.values():
            proc.terminate()
            proc.wait(timeout=30)
    print("POST /upload, %d rounds alternating    baseline best / median     this tree best / median   ratio"
          % repeat)
    for path in files:
        old, new = times[("baseline", path)], times[("this tree", path)]
        print("%-34s %6.3f / %6.3f s        %6.3f / %6.3f s       %+.1f%% (median)"
              % (os.path.basename(path), min(old), statistics.median(old), min(new), statistics.median(new),
                 100 * (statistics.median(new) / statistics.median(old) - 1)))


CPU_TIMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from contacts.readers import read_file
best = float("inf")
for _ in range(int(sys.argv[3])):
    started = time.process_time()
    read_file(sys.argv[2])
    best = min(best, time.process_time() - started)
print(best)
"""


STAGE_TIMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from contacts.extract import extract_workbook
from contacts.readers.model import Workbook
from contacts.readers import spreadsheet
from contacts.readers import zipcheck
from contacts.report import result_json
if hasattr(zipcheck, "measure_zip"):  # the measured parts go on to the cut sheets' reading (xlsxsplit.py)
    measure, read_xlsx = zipcheck.measure_zip, lambda path, measured: spreadsheet.read_xlsx(path, measured.parts)
else:  # trees before it
    measure, read_xlsx = zipcheck.inspect_zip, lambda path, measured: spreadsheet.read_workbook(path)
best = {}
for _ in range(int(sys.argv[3])):
    times = [time.process_time()]
    measured = measure(sys.argv[2]); times.append(time.process_time())
    started = time.perf_counter()
    book = Workbook("xlsx", read_xlsx(sys.argv[2], measured)); times.append(time.process_time())
    sheets_wall = time.perf_counter() - started
    result = extract_workbook(book, "IN"); times.append(time.process_time())
    result_json(result, "imp_bench", "request"); times.append(time.process_time())
    for name, (a, b) in zip(("zip", "sheets", "extract", "json"), zip(times, times[1:])):
        best[name] = min(best.get(name, 1e9), b - a)
    best["sheets_wall"] = min(best.get("sheets_wall", 1e9), sheets_wall)
print(" ".join("%s=%.4f" % item for item in best.items()))
"""


def compare_stages(baseline_tree, path, repeat):
    """CPU seconds (best of REPEAT, in a fresh process per tree, two processes each) of each in-process stage of
    importing the workbook PATH: the zip and extent checks, calamine with the frame, extract, the JSON answer; and
    the wall time of calamine with the frame."""
    trees = {"baseline": os.path.join(baseline_tree, "python-backend"),
             "this tree": os.path.join(REPO, "python-backend")}
    best = {name: {} for name in trees}
    for _ in range(2):
        for name, backend in trees.items():
            out = subprocess.run([sys.executable, "-c", STAGE_TIMER, backend, path, str(repeat)], check=True,
                                 capture_output=True, text=True).stdout.split()[-5:]
            for stage, seconds in (item.split("=") for item in out):
                best[name][stage] = min(best[name].get(stage, 1e9), float(seconds))
    print("%s stages, CPU best of %d x 2 processes   baseline      this tree" % (os.path.basename(path), repeat))
    for stage, what in (("zip", "zip bomb + extent checks"), ("sheets", "calamine + frame"),
                        ("extract", "extract"), ("json", "JSON answer")):
        print("  %-42s %7.3f s     %7.3f s" % (what, best["baseline"][stage], best["this tree"][stage]))
    cpu = {name: sum(v for k, v in times.items() if k != "sheets_wall") for name, times in best.items()}
    print("  %-42s %7.3f s     %7.3f s" % ("sum", cpu["baseline"], cpu["this tree"]))
    # Sheets cut and parsed on several cores (xlsxsplit.py) spend more CPU than they take: wall time tells.
    print("  %-42s %7.3f s     %7.3f s" % ("calamine + frame, wall time", best["baseline"]["sheets_wall"],
                                           best["this tree"]["sheets_wall"]))


def compare_read_cpu(baseline_tree, files, repeat):
    """CPU seconds (best of REPEAT, in a fresh process per tree and round) of read_file on FILES with this tree's
    readers and BASELINE_TREE's: CPU time, unlike wall time, barely moves when other work shares the machine."""
    trees = {"baseline": os.path.join(baseline_tree, "python-backend"),
             "this tree": os.path.join(REPO, "python-backend")}
    print("read_file CPU time, best of %d x 3 processes   baseline      this tree     change" % repeat)
    for path in files:
        best = {name: float("inf") for name in trees}
        for _ in range(3):
            for name, backend in trees.items():
                out = subprocess.run([sys.executable, "-c", CPU_TIMER, backend, path, str(repeat)], check=True,
                                     capture_output=True, text=True).stdout
                best[name] = min(best[name], float(out.split()[-1]))
        print("%-44s %7.3f s     %7.3f s     %+.1f%%" % (os.path.basename(path), best["baseline"], best["this tree"],
                                                        100 * (best["this tree"] / best["baseline"] - 1)))


def main():
    """Make the inputs, time every reader beside its baseline, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generator", help="path of another generator script (default: scripts/gen_contacts.py)")
    parser.add_argument("--compare-with", metavar="DIR", help="time uploads against the checkout in DIR instead")
    args = parser.parse_args()
    big = contact_csv(args.rows, args.generator)
    xlsx = cached_xlsx(args.xlsx_rows, big)
    if args.compare_with:
        compare_stages(os.path.abspath(args.compare_with), xlsx, args.repeat)
        compare_read_cpu(os.path.abspath(args.compare_with), [big, xlsx], args.repeat)
        compare_uploads(os.path.abspath(args.compare_with), [big, xlsx], args.repeat)
        return
    xls = cached_xls(min(args.xlsx_rows, XLS_MAX_ROWS), big)
    with open(big, encoding="utf-8") as f:
        text = "\n".join(line.rstrip("\n").replace(",", " ") for _, line in zip(range(100_000), f))
    print("reader                             ours         baseline                   time    speed-up")
    report("csv %d rows (read_file)" % args.rows, best_of(args.repeat, lambda: read_file(big)),
           best_of(args.repeat, lambda: pandas_c_engine(big)), "pandas C engine")
    report("xlsx %d rows (read_file)" % args.xlsx_rows, best_of(args.repeat, lambda: read_file(xlsx)),
           best_of(1, lambda: openpyxl_rows(xlsx)), "openpyxl read-only")
    report("xlsx %d rows (read_file)" % args.xlsx_rows, best_of(args.repeat, lambda: read_file(xlsx)),
           best_of(args.repeat, lambda: calamine_rows(xlsx)), "calamine alone (floor)")
    report("xls %d rows (read_file)" % min(args.xlsx_rows, XLS_MAX_ROWS), best_of(args.repeat, lambda: read_file(xls)),
           best_of(args.repeat, lambda: xlrd_rows(xls)), "xlrd")
    ours = best_of(args.repeat, lambda: find_numbers_in_text(text))
    print("%-34s %7.3f s   (%d numbers found)" % ("free text 100000 lines", ours, len(find_numbers_in_text(text))))


if __name__ == "__main__":
    main()
