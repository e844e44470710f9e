#!/usr/bin/env python3
"""Does the sidecar keep answering while many clients hold connections? (issue 11, "the server survives").

Starts the real sidecar (python-backend/app.py) on 127.0.0.1, starts a slowly paced dry-run campaign (so its
event stream stays open), then measures GET /health latency:
  1. baseline: nothing else open;
  2. loaded: IDLE idle connections (half of them with unfinished headers) and STREAMS open event streams.
It also reports how long waitress keeps an idle connection before closing it, and what a stream past the cap gets.
All traffic goes to 127.0.0.1; counts and durations are bounded.

    .venv/bin/python scripts/bench_connections.py [--idle 200] [--streams 50] [--probes 50] [--app PATH]

--app runs another checkout's app.py (e.g. the previous version, extracted with `git archive`) for a before/after.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
APP = os.path.join(REPO, "python-backend", "app.py")
TARGET_MS = 100.0
START_TIMEOUT_S = 60
# A probe or stream that gets no answer within this long counts as failed (the old server just hung).
ANSWER_TIMEOUT_S = 5


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None, timeout=30):
    """One JSON request; returns (status, parsed body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def start_sidecar(app, home, port, env_extra=None):
    """The real sidecar process of APP, healthy."""
    env = dict(os.environ, BULKMSG_DEFAULT_REGION="US", **(env_extra or {}))
    log = open(os.path.join(home, "sidecar.log"), "ab")
    proc = subprocess.Popen([sys.executable, app, "--host", "127.0.0.1", "--port", str(port), "--data-dir",
                             os.path.join(home, "data")], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/health", timeout=1)[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the sidecar did not start; see %s/sidecar.log" % home)


def running_campaign(port):
    """A dry-run campaign paced at one message a minute: it stays `running`, so its event streams stay open."""
    numbers = "\n".join("+1415555%04d" % i for i in range(2671, 2681))
    status, made = call(port, "POST", "/lists", {"name": "bench", "numbers": numbers, "default_region": "US"})
    assert status == 201, made
    status, channel = call(port, "POST", "/channels", {"name": "dry", "type": "dry_run", "config": {}})
    assert status == 201, channel
    status, campaign = call(port, "POST", "/campaigns", {"name": "bench", "list_id": made["list"]["id"],
                                                         "channel_id": channel["id"], "body": "hi",
                                                         "pacing": {"per_minute": 1}})
    assert status == 201, campaign
    status, started = call(port, "POST", "/campaigns/%d/start" % campaign["id"])
    assert status == 200 and started["status"] == "running", started
    return campaign["id"]


def open_stream(port, campaign_id):
    """An event stream that has received its first progress event (so it holds its server thread), and its
    status line (or 'no answer' when the server did not answer in time)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S)
    sock.sendall(b"GET /campaigns/%d/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (campaign_id, port))
    head = b""
    try:
        while b"event: progress" not in head and b"\r\n\r\n{" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                break
            head += chunk
    except socket.timeout:
        return sock, "no answer within %d s" % ANSWER_TIMEOUT_S
    return sock, head.split(b"\r\n", 1)[0].decode("latin-1")


def open_idle(port, count):
    """COUNT connections that send nothing, or only the start of a request's headers (slow clients)."""
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        if i % 2:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % port)
        sockets.append(sock)
    return sockets


def health_latencies(port, probes):
    """Milliseconds of PROBES GET /health requests, each on a fresh connection (None: no answer in time)."""
    times = []
    for _ in range(probes):
        started = time.perf_counter()
        try:
            ok = call(port, "GET", "/health", timeout=ANSWER_TIMEOUT_S)[0] == 200
        except OSError:
            ok = False
        times.append((time.perf_counter() - started) * 1000 if ok else None)
        if not ok and times.count(None) >= 3:
            break  # the server is not answering: three probes are enough to say so
    return times


def summary(times):
    """median / p95 / max of TIMES in ms, and how many got no answer."""
    answered = sorted(t for t in times if t is not None)
    failed = len(times) - len(answered)
    if not answered:
        return "no answer within %d s (%d probes)" % (ANSWER_TIMEOUT_S, failed)
    p95 = answered[min(len(answered) - 1, int(len(answered) * 0.95))]
    return "median %6.1f ms  p95 %6.1f ms  max %6.1f ms  unanswered %d" % (
        statistics.median(answered), p95, answered[-1], failed)


def idle_close_seconds(port, limit_s):
    """How long the server keeps a connection that never sends anything (None: still open after LIMIT_S)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=limit_s)
    started = time.monotonic()
    try:
        return time.monotonic() - started if sock.recv(1) == b"" else None
    except (socket.timeout, ConnectionResetError):
        return None if time.monotonic() - started >= limit_s else time.monotonic() - started
    finally:
        sock.close()


def main():
    """Run the measurements and print them."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idle", type=int, default=200, help="idle connections (max 900)")
    ap.add_argument("--streams", type=int, default=50, help="open event streams (max 60)")
    ap.add_argument("--probes", type=int, default=50, help="/health requests per measurement")
    ap.add_argument("--app", default=APP, help="the app.py to run (default: this checkout's)")
    args = ap.parse_args()
    idle, streams = min(args.idle, 900), min(args.streams, 60)
    with tempfile.TemporaryDirectory() as home:
        port = free_port()
        # Streams end after 5 minutes by default; keep them alive for the whole run.
        proc = start_sidecar(args.app, home, port, {"BULKMSG_SSE_MAX_SECONDS": "600",
                                                    "BULKMSG_STREAM_SLOTS": str(streams)})
        held = []
        try:
            campaign_id = running_campaign(port)
            health_latencies(port, 5)  # warm-up
            baseline = health_latencies(port, args.probes)
            print("baseline (nothing open):            %s" % summary(baseline))
            opened = [open_stream(port, campaign_id) for _ in range(streams)]
            held += [s for s, _ in opened]
            statuses = sorted({line for _, line in opened})
            print("%d event streams opened:             %s" % (streams, ", ".join(statuses)))
            extra, extra_status = open_stream(port, campaign_id)
            held.append(extra)
            held += open_idle(port, idle)
            loaded = health_latencies(port, args.probes)
            print("loaded (%d idle + %d streams):     %s" % (idle, streams, summary(loaded)))
            print("stream %d (past the cap of %d):      %s" % (streams + 1, streams, extra_status))
            answered = [t for t in loaded if t is not None]
            fast = answered and len(answered) == len(loaded) and statistics.median(answered) < TARGET_MS
            verdict = "OK" if fast else "FAILED"
            print("target: /health median under %.0f ms with the load open -> %s" % (TARGET_MS, verdict))
            closed = idle_close_seconds(port, 60)
            print("an idle connection is closed by the server after: %s" %
                  ("%.1f s" % closed if closed is not None else "more than 60 s"))
        finally:
            for sock in held:
                sock.close()
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
