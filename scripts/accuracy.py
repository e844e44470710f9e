#!/usr/bin/env python3
"""Accuracy of /upload against gen_contacts.py's answer key: recall of the key's valid numbers, and the
share of returned numbers that are not in the key.

    .venv/bin/python scripts/accuracy.py                  # 100k-row CSV and 20k-row XLSX, region IN
    .venv/bin/python scripts/accuracy.py --rows 20000 --xlsx-rows 5000 --region GB

It starts the real sidecar on a free port, uploads each list with the list's region as default_region,
and prints the figures. Targets: recall >= 99.9 %, foreign < 0.01 %.
"""
import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GEN = os.path.abspath(os.path.join(REPO, "..", "shared", "bench", "gen_contacts.py"))
RECALL_TARGET = 0.999
FOREIGN_TARGET = 0.0001


def generate(rows, region, fmt, out_dir, seed=7):
    """Write a list and its key with gen_contacts.py; returns (list path, key path)."""
    path = os.path.join(out_dir, "contacts-%s-%d-%d.%s" % (region, rows, seed, fmt))
    if not os.path.exists(path):
        subprocess.run([sys.executable, GEN, "--rows", str(rows), "--region", region, "--format", fmt,
                        "--seed", str(seed), "--out", path], check=True, capture_output=True)
    return path, path + ".key.csv"


def score(contacts, key_path):
    """(recall, foreign share, counts) of the returned CONTACTS against the key."""
    with open(key_path, encoding="utf-8") as f:
        expected = {row["expected_e164"] for row in csv.DictReader(f) if row["expected_e164"]}
    returned = {c["number"] for c in contacts}
    recall = len(expected & returned) / len(expected)
    foreign = len(returned - expected) / max(1, len(returned))
    return recall, foreign, {"expected": len(expected), "returned": len(returned),
                             "missed": len(expected - returned), "foreign": len(returned - expected)}


def free_port():
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sidecar(data_dir):
    """Start the real sidecar; returns (process, base url)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "python-backend", "app.py"), "--host", "127.0.0.1",
                             "--port", str(port), "--data-dir", data_dir], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the sidecar did not start")


def upload(url, path, region):
    """POST /upload of PATH; returns the parsed JSON."""
    import requests
    with open(path, "rb") as f:
        r = requests.post(url + "/upload", files={"file": (os.path.basename(path), f)},
                          data={"default_region": region}, timeout=600)
    r.raise_for_status()
    return r.json()


def main():
    """Generate, upload, score, print."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--xlsx-rows", type=int, default=20_000)
    ap.add_argument("--region", default="IN")
    a = ap.parse_args()
    cache = os.path.join(REPO, ".bench")
    os.makedirs(cache, exist_ok=True)
    ok = True
    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = start_sidecar(data_dir)
        try:
            for fmt, rows in (("csv", a.rows), ("xlsx", a.xlsx_rows)):
                path, key = generate(rows, a.region, fmt, cache)
                recall, foreign, counts = score(upload(url, path, a.region)["contacts"], key)
                ok &= recall >= RECALL_TARGET and foreign < FOREIGN_TARGET
                print("%-4s %7d rows  recall %.4f%%  foreign %.4f%%  %s" % (fmt, rows, recall * 100, foreign * 100,
                                                                           counts))
        finally:
            proc.terminate()
            proc.wait(10)
    print("targets: recall >= %.1f%%, foreign < %.2f%%: %s" % (RECALL_TARGET * 100, FOREIGN_TARGET * 100,
                                                               "met" if ok else "NOT MET"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
