#!/usr/bin/env python3
"""Accuracy of /upload against the answer key of scripts/gen_contacts.py: recall of the key's valid numbers,
and the share of returned numbers that are not in the key.

    .venv/bin/python scripts/accuracy.py                  # 100k-row CSV and 20k-row XLSX, region IN
    .venv/bin/python scripts/accuracy.py --rows 20000 --xlsx-rows 5000 --region GB
    .venv/bin/python scripts/accuracy.py --generator PATH # another generator with the same command line

It starts the real sidecar on a free port, uploads each list with the list's region as default_region,
and prints the figures. Targets: recall >= 99.9 %, foreign < 0.01 %. Lists are cached in .bench/.
"""
import argparse
import csv
import os
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(REPO, "scripts"), os.path.join(REPO, "tests", "python")]
import gen_contacts  # noqa: E402
from support.sidecar import Sidecar  # noqa: E402  (the tests' harness: one way to run the sidecar)

RECALL_TARGET = 0.999
FOREIGN_TARGET = 0.0001
SEED = 7


def generate(rows, region, fmt, out_dir, seed=SEED, generator=None):
    """A list and its key in OUT_DIR (made on first use); returns (list path, key path)."""
    return gen_contacts.cached(out_dir, rows, region, fmt, seed, generator)


def score(contacts, key_path):
    """(recall, foreign share, counts) of the returned CONTACTS against the key."""
    with open(key_path, encoding="utf-8") as f:
        expected = {row["expected_e164"] for row in csv.DictReader(f) if row["expected_e164"]}
    returned = {c["number"] for c in contacts}
    recall = len(expected & returned) / len(expected)
    foreign = len(returned - expected) / max(1, len(returned))
    return recall, foreign, {"expected": len(expected), "returned": len(returned),
                             "missed": len(expected - returned), "foreign": len(returned - expected)}


def upload(sidecar, path, region):
    """POST /upload of PATH; returns the parsed JSON."""
    r = sidecar.upload(path, default_region=region, timeout=600)
    r.raise_for_status()
    return r.json()


def main():
    """Generate, upload, score, print."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--xlsx-rows", type=int, default=20_000)
    ap.add_argument("--region", default="IN")
    ap.add_argument("--generator", help="path of another generator script (default: scripts/gen_contacts.py)")
    a = ap.parse_args()
    cache = os.path.join(REPO, ".bench")
    ok = True
    print("generator: %s" % (a.generator or "scripts/gen_contacts.py"))
    with tempfile.TemporaryDirectory(prefix="accuracy-") as home:
        with Sidecar(home) as sidecar:
            for fmt, rows in (("csv", a.rows), ("xlsx", a.xlsx_rows)):
                path, key = generate(rows, a.region, fmt, cache, generator=a.generator)
                recall, foreign, counts = score(upload(sidecar, path, a.region)["contacts"], key)
                ok &= recall >= RECALL_TARGET and foreign < FOREIGN_TARGET
                print("%-4s %7d rows  recall %.4f%%  foreign %.4f%%  %s" % (fmt, rows, recall * 100, foreign * 100,
                                                                           counts))
    print("targets: recall >= %.1f%%, foreign < %.2f%%: %s" % (RECALL_TARGET * 100, FOREIGN_TARGET * 100,
                                                               "met" if ok else "NOT MET"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
