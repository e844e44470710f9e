#!/usr/bin/env python3
"""What team mode's access layer costs: GET /lists through the in-process app in the desktop mode (loopback, no
session) and in team mode (a session looked up by its hash on every request), same run; and one scrypt hash
(what each login and password change costs).

    python scripts/bench_auth.py [--requests 2000] [--repeats 3]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-backend"))

from messaging import db, passwords, users  # noqa: E402
from sidecar import create_app  # noqa: E402

PASSWORD = "correct horse battery"


def client(data_dir, team):
    """A test client of the app (team mode: logged in, with the CSRF token in hand)."""
    app = create_app({"DATA_DIR": data_dir, "TEAM_MODE": team, "MESSAGING_RESUME": False})
    test_client = app.test_client()
    if team:
        conn = db.open_store(data_dir)
        users.add(conn, "bench", "viewer", PASSWORD)
        conn.close()
        assert test_client.post("/session/login", json={"name": "bench", "password": PASSWORD}).status_code == 200
    return test_client


def per_request_us(test_client, count):
    """Mean microseconds per GET /lists."""
    started = time.perf_counter()
    for _ in range(count):
        assert test_client.get("/lists").status_code == 200
    return (time.perf_counter() - started) / count * 1e6


def main():
    """Print desktop vs team per-request cost (median of the repeats) and the scrypt hash time."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        desktop = client(os.path.join(home, "desktop"), False)
        team = client(os.path.join(home, "team"), True)
        runs = {"desktop": [], "team": []}
        for _ in range(args.repeats):  # interleaved, so both modes see the same machine load
            runs["desktop"].append(per_request_us(desktop, args.requests))
            runs["team"].append(per_request_us(team, args.requests))
    d, t = statistics.median(runs["desktop"]), statistics.median(runs["team"])
    print("GET /lists  desktop %.0f us  team %.0f us  ratio %.2f  (median of %d x %d)"
          % (d, t, t / d, args.repeats, args.requests))
    hashes = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        passwords.hash_password(PASSWORD)
        hashes.append(time.perf_counter() - started)
    print("scrypt hash (N=2^15, r=8, p=1)  %.0f ms (median of %d)" % (statistics.median(hashes) * 1000, args.repeats))


if __name__ == "__main__":
    main()
