"""Helpers of the security tests: exact raw requests, a client that comes from the LAN address, process memory."""
import http.client
import json
import os
import socket

import requests
from requests.adapters import HTTPAdapter

# Unrouted address: connecting a UDP socket to it only asks the OS which local address would be used.
ROUTE_PROBE_ADDRESS = ("10.255.255.255", 1)


class RawAnswer:
    """Status, headers and body of one raw HTTP exchange."""

    def __init__(self, response):
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.body = response.read()

    def json(self):
        """The body as JSON."""
        return json.loads(self.body)


def raw_request(port, method, path, headers=None, body=b"", source=None):
    """Send exactly these headers (Host included, nothing added) to 127.0.0.1:PORT."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                      source_address=(source, 0) if source else None)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        return RawAnswer(conn.getresponse())
    finally:
        conn.close()


def lan_address():
    """This machine's non-loopback IPv4 address (the one its default route uses)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(ROUTE_PROBE_ADDRESS)
        address = probe.getsockname()[0]
    assert not address.startswith("127."), "this machine needs a non-loopback address for the LAN tests"
    return address


class SourceAddressAdapter(HTTPAdapter):
    """Connections that leave from a chosen local address (so loopback servers see a LAN peer)."""

    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        """Bind every pooled connection to the source address."""
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kw)


def lan_session():
    """A requests session whose connections come from this machine's LAN address, not loopback."""
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(lan_address()))
    return session


def peak_rss_mb(pid):
    """The process's peak resident memory (VmHWM) in MB."""
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM for pid %d" % pid)


def import_ids(sidecar):
    """The ids of the imports the sidecar holds."""
    answer = sidecar.get("/imports")
    assert answer.status_code == 200, answer.text
    return [item["import_id"] for item in answer.json()["imports"]]


def assert_json_error(answer, status, code):
    """ANSWER (requests or RawAnswer) is the JSON error STATUS/CODE."""
    got_status = getattr(answer, "status_code", None) or answer.status
    body = answer.json()
    assert got_status == status, (got_status, body)
    assert body["code"] == code, body
    assert isinstance(body["error"], str) and body["error"]


def cors_headers(headers):
    """The Access-Control-* headers of a response."""
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("access-control-")}


def file_mode(path):
    """The permission bits of PATH."""
    return os.stat(path).st_mode & 0o777
