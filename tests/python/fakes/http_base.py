"""A threaded loopback HTTP server base for the fake providers, recording accepted messages."""
import http.server
import json
import threading
import time

from .faults import FaultPlan


class FakeProvider:
    """Runs a handler class on 127.0.0.1:<free port> in a thread; `messages` holds what was accepted."""

    handler_class = None

    def __init__(self, seed=0, timeout_hold=3.0):
        self.messages, self.requests = [], 0
        self.lock = threading.Lock()
        self.faults = FaultPlan(seed)
        self.reject = set()          # recipients answered with the provider's 'invalid recipient' error
        self.timeout_hold = timeout_hold
        provider = self

        class Handler(self.handler_class):
            fake = provider

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
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

    def record(self, message):
        """Keep an accepted message."""
        with self.lock:
            self.messages.append(message)

    def count_to(self, address):
        """How many accepted messages went to ADDRESS."""
        with self.lock:
            return sum(1 for m in self.messages if m["to"] == address)


class JsonHandler(http.server.BaseHTTPRequestHandler):
    """Helpers for answering JSON and simulating a provider that never answers."""

    protocol_version = "HTTP/1.1"
    fake = None

    def log_message(self, *args):
        """Quiet: tests read the recorded messages, not access logs."""

    def body_bytes(self):
        """The request body."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, payload, headers=None):
        """Send STATUS with a JSON body."""
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
