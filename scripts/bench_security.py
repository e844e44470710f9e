#!/usr/bin/env python3
"""What the access rules cost per request: GET /health and a LAN-token request through the app, with the
security chain and (baseline, same run) with the chain removed. Prints both and the ratio.

    python scripts/bench_security.py [--requests 5000]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-backend"))

from sidecar import create_app  # noqa: E402
from sidecar.security import guard_request  # noqa: E402

LAN_CLIENT = "192.0.2.77"


def build(data_dir, guarded):
    """The app bound to the LAN (the costlier Host rule), with or without the security chain."""
    app = create_app({"DATA_DIR": data_dir, "PORT": 5034, "BIND_HOST": "0.0.0.0"})
    if not guarded:
        app.before_request_funcs[None] = [f for f in app.before_request_funcs[None] if f is not guard_request]
    return app


def per_request_us(app, count, headers, remote):
    """Mean microseconds per GET /health through the test client."""
    client = app.test_client()
    client.get("/health", headers=headers, environ_base={"REMOTE_ADDR": remote})
    started = time.perf_counter()
    for _ in range(count):
        answer = client.get("/health", headers=headers, environ_base={"REMOTE_ADDR": remote})
        assert answer.status_code == 200, answer.get_data()
    return (time.perf_counter() - started) / count * 1e6


def chain_us(app, count, headers, remote):
    """Mean microseconds of the security chain alone on one request (no view, no test client)."""
    with app.test_request_context("/health", headers=headers, environ_base={"REMOTE_ADDR": remote}):
        app.preprocess_request()
        started = time.perf_counter()
        for _ in range(count):
            assert guard_request() is None
        return (time.perf_counter() - started) / count * 1e6


def main():
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=5000)
    count = ap.parse_args().requests
    with tempfile.TemporaryDirectory() as data_dir:
        guarded, bare = build(data_dir, True), build(data_dir, False)
        token = guarded.extensions["access_token"]
        cases = [("loopback, no Origin", {"Host": "127.0.0.1:5034"}, "127.0.0.1"),
                 ("LAN client with token", {"Host": "127.0.0.1:5034", "Authorization": "Bearer " + token}, LAN_CLIENT)]
        print("%-24s %12s %12s %8s" % ("GET /health", "guarded us", "baseline us", "ratio"))
        for name, headers, remote in cases:
            base = per_request_us(bare, count, headers, remote)
            with_rules = per_request_us(guarded, count, headers, remote)
            print("%-24s %12.1f %12.1f %8.2f   (chain alone: %.1f us)"
                  % (name, with_rules, base, with_rules / base, chain_us(guarded, count, headers, remote)))


if __name__ == "__main__":
    main()
