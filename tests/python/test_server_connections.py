"""The server survives many connections (issue 11): open event streams and slow or idle clients cannot stop
/health. Timings are measured by scripts/bench_connections.py; this test only asserts that the server answers."""
import os
import resource
import socket
import subprocess
import sys
import time

import pytest
import requests

import app as sidecar_main

from support.paths import APP
from support.sidecar import Sidecar

STREAMS = 20
# More than waitress' default connection limit (100), which 110 slow clients used to exhaust.
IDLE = 120
STREAM_SECONDS = 8


def call(server, method, path, **kw):
    """A JSON request to SERVER that must succeed."""
    answer = requests.request(method, server.url + path, timeout=30, **kw)
    assert answer.status_code < 300, answer.text
    return answer.json()


def running_campaign(server):
    """A dry-run campaign paced at one message a minute, started: its event streams stay open."""
    numbers = "\n".join("+1415555%04d" % i for i in range(2671, 2676))
    made = call(server, "POST", "/lists", json={"name": "l", "numbers": numbers, "default_region": "US"})
    channel = call(server, "POST", "/channels", json={"name": "d", "type": "dry_run", "config": {}})
    campaign = call(server, "POST", "/campaigns", json={"name": "c", "list_id": made["list"]["id"], "body": "hi",
                                                        "channel_id": channel["id"], "pacing": {"per_minute": 1}})
    assert call(server, "POST", "/campaigns/%d/start" % campaign["id"])["status"] == "running"
    return campaign["id"]


def open_stream(server, campaign_id):
    """A raw event-stream connection and the status line plus first bytes it got."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(b"GET /campaigns/%d/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (campaign_id, server.port))
    head = b""
    while b"event: progress" not in head and b'"code"' not in head:
        chunk = sock.recv(65536)
        if not chunk:
            break
        head += chunk
    return sock, head


def open_idle(server, count):
    """COUNT connections: half send nothing, half stop in the middle of their headers."""
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        if i % 2:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % server.port)
        sockets.append(sock)
    return sockets


def read_to_end(sock, seconds):
    """Read SOCK until the server closes it (True) or SECONDS pass (False)."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if sock.recv(65536) == b"":
                return True
    except socket.timeout:
        return False
    return False


@pytest.fixture
def streaming_sidecar(tmp_path):
    """A sidecar with STREAMS stream slots whose streams end after STREAM_SECONDS."""
    server = Sidecar(tmp_path, env={"BULKMSG_STREAM_SLOTS": str(STREAMS),
                                    "BULKMSG_SSE_MAX_SECONDS": str(STREAM_SECONDS)}).start()
    yield server
    server.stop()


@pytest.mark.slow
def test_health_answers_with_streams_and_idle_clients_open(streaming_sidecar):
    """20 open event streams (each holding a thread) and 120 idle or half-sent connections: /health answers,
    a stream past the cap is refused with a code, and its slots come back when the streams end."""
    server = streaming_sidecar
    campaign_id = running_campaign(server)
    held = []
    try:
        streams = [open_stream(server, campaign_id) for _ in range(STREAMS)]
        held += [sock for sock, _ in streams]
        assert all(head.startswith(b"HTTP/1.1 200") and b"event: progress" in head for _, head in streams)
        held += open_idle(server, IDLE)
        for _ in range(5):
            assert requests.get(server.url + "/health", timeout=10).status_code == 200
        past_cap, head = open_stream(server, campaign_id)
        held.append(past_cap)
        assert head.startswith(b"HTTP/1.1 503") and b'"too_many_streams"' in head, head[:300]
        assert all(read_to_end(sock, STREAM_SECONDS + 10) for sock, _ in streams)
        again, head = open_stream(server, campaign_id)
        held.append(again)
        assert head.startswith(b"HTTP/1.1 200"), head[:300]
    finally:
        for sock in held:
            sock.close()
    assert requests.get(server.url + "/health", timeout=10).status_code == 200


@pytest.mark.skipif(not os.path.exists("/proc/self/limits"), reason="reads /proc (Linux)")
def test_the_open_file_limit_is_raised_for_the_connection_limit(tmp_path):
    """Started with a soft limit of 300 descriptors (macOS gives apps 256), the sidecar raises it to fit its 1,000
    connections, within the hard limit."""
    def low_soft_limit():
        """In the child: soft limit 300, hard limit unchanged."""
        resource.setrlimit(resource.RLIMIT_NOFILE, (300, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    proc = subprocess.Popen([sys.executable, APP, "--host", "127.0.0.1", "-p", "0", "--data-dir", str(tmp_path / "d")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=low_soft_limit)
    try:
        assert "serving on" in proc.stdout.readline()
        with open("/proc/%d/limits" % proc.pid, encoding="ascii") as f:
            line = next(text for text in f if text.startswith("Max open files"))
        soft = int(line.split()[3])
        assert soft == min(sidecar_main.CONNECTION_LIMIT + sidecar_main.FILE_HEADROOM, hard) and soft > 300
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        proc.stdout.close()
