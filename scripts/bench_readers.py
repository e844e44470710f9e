#!/usr/bin/env python3
"""Benchmark the contact-file readers against plain-library baselines, measured in the same run.

    .venv/bin/python scripts/bench_readers.py [--rows 1000000] [--xlsx-rows 100000] [--repeat 3]

Inputs are made once with /work/shared/bench/gen_contacts.py (CSV) and cached in .bench/ (git-ignored); the
xlsx and xls are written from the same rows. Each figure is the best of --repeat runs (the machine is shared).
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
import xlrd
import xlwt

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "python-backend"))
from contacts.freetext import find_numbers_in_text  # noqa: E402
from contacts.readers import read_file  # noqa: E402

CACHE = os.path.join(REPO, ".bench")
GEN = os.path.join(REPO, "..", "shared", "bench", "gen_contacts.py")
XLS_MAX_ROWS = 65_535


def best_of(repeat, func):
    """The fastest of REPEAT runs of FUNC, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def contact_csv(rows):
    """The cached gen_contacts CSV of ROWS rows (made on first use)."""
    path = os.path.join(CACHE, "contacts_%d.csv" % rows)
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run([sys.executable, GEN, "--rows", str(rows), "--region", "IN", "--format", "csv", "--seed", "7",
                        "--out", path], check=True, stdout=subprocess.DEVNULL)
    return path


def head_rows(path, count):
    """The first COUNT data rows of a CSV (header included first)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        return [row for _, row in zip(range(count + 1), reader)]


def cached_xlsx(rows, source):
    """An xlsx of the first ROWS rows of SOURCE, with the phone column stored as numbers where it is digits."""
    path = os.path.join(CACHE, "contacts_%d.xlsx" % rows)
    if not os.path.exists(path):
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Contacts")
        for row in head_rows(source, rows):
            sheet.append([int(c) if c.isdigit() and len(c) < 16 else c for c in row])
        book.save(path)
    return path


def cached_xls(rows, source):
    """An xls of the first ROWS rows of SOURCE."""
    path = os.path.join(CACHE, "contacts_%d.xls" % rows)
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


def main():
    """Make the inputs, time every reader beside its baseline, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    big = contact_csv(args.rows)
    xlsx = cached_xlsx(args.xlsx_rows, big)
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
