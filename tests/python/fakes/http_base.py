"""A threaded loopback HTTP server base for the fake providers, recording accepted messages."""
import http.server
import json
import socket
import threading
import time

from .faults import FaultPlan


class QuietServer(http.server.ThreadingHTTPServer):
    """A threaded server that does not print clients vanishing mid-request (the fault trials kill them)."""

    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 refuses connections when many sends overlap

    def handle_error(self, request, client_address):
        """Ignore resets and broken pipes; print anything else as usual."""
        import sys
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeProvider:
    """Runs a handler class on 127.0.0.1:<free port> in a thread; `messages` holds what was accepted."""

    handler_class = None

    def __init__(self, seed=0, timeout_hold=3.0, latency=0.0):
        self.latency = latency       # seconds every answer waits, like a real provider's round trip
        self.messages, self.requests = [], 0
        self.arrivals = []           # time.monotonic() of each accepted message (rates measured at the provider)
        self.active = self.max_active = 0  # requests being handled now / at most at once
        self.lock = threading.Lock()
        self.faults = FaultPlan(seed)
        self.reject = set()          # recipients answered with the provider's 'invalid recipient' error
        self.timeout_hold = timeout_hold
        provider = self

        class Handler(self.handler_class):
            fake = provider

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self):
        """http://127.0.0.1:<port>"""
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def enter(self):
        """A request starts (for the in-flight counters)."""
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def leave(self):
        """A request ends."""
        with self.lock:
            self.active -= 1

    def record(self, message, arrived=None):
        """Keep an accepted message and when it came (ARRIVED: when its request began to be read)."""
        with self.lock:
            self.messages.append(message)
            self.arrivals.append(arrived or time.monotonic())

    def count_to(self, address):
        """How many accepted messages went to ADDRESS."""
        with self.lock:
            return sum(1 for m in self.messages if m["to"] == address)


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """Helpers for answering JSON and simulating a provider that never answers."""

    protocol_version = "HTTP/1.1"
    fake = None

    def setup(self):
        """No Nagle delay on the answers: small writes leave at once, so measured rates are the client's."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        """Count the request in flight around the provider's own handling (handle_post)."""
        self.arrived = time.monotonic()
        self.fake.enter()
        try:
            self.handle_post()
        finally:
            self.fake.leave()

    def log_message(self, *args):
        """Quiet: tests read the recorded messages, not access logs."""

    def body_bytes(self):
        """The request body."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, payload, headers=None):
        """Send STATUS with a JSON body (after the provider's latency)."""
        if self.fake.latency:
            time.sleep(self.fake.latency)
        raw = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def hang(self):
        """Hold the request without answering (the client's read timeout fires), then drop it."""
        time.sleep(self.fake.timeout_hold)
        self.close_connection = True
